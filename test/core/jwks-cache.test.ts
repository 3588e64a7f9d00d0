/**
 * A fleet shares Logto's key set through `logto.jwksCache` (SPEC §8): a cold instance reads the
 * store before fetching the JWKS, every successful fetch is written, store failures are misses,
 * and a stale store cannot pin a key Logto withdrew. Each "instance" is a verifier made after
 * `clearJwksCache()`: an empty process cache, as in a fresh isolate.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileJwksCache } from '../../examples/jwks-cache/file.js';
import { redisJwksCache } from '../../examples/jwks-cache/redis.js';
import { clearJwksCache, createLogtoVerifier, type JsonWebKeySet, type JwksCache, type LogtoVerifierOptions } from '../../src/index.js';
import { rejectionOf } from '../helpers/assertions.js';
import { RecordingLogger } from '../helpers/logger.js';
import { AUDIENCE, ENDPOINT, JWKS_URI, generateTestKey, jwksOf, signToken, USER_ID } from '../helpers/tokens.js';

const currentKey = await generateTestKey('ES384', 'logto-current');
const nextKey = await generateTestKey('ES384', 'logto-next');

/** Logto's JWKS endpoint: what it publishes, and how many requests it received. */
const issuer = { published: jwksOf(currentKey), requests: 0 };
const jwksFetch: typeof fetch = async (input) => {
  expect(String(input)).toBe(JWKS_URI);
  issuer.requests += 1;
  return Response.json(issuer.published);
};

/** An in-memory store that counts its reads and writes. */
function memoryStore(initial?: unknown) {
  const values = new Map<string, unknown>(initial === undefined ? [] : [[JWKS_URI, initial]]);
  const store = {
    values,
    gets: 0,
    sets: 0,
    get: (uri: string) => {
      store.gets += 1;
      return values.get(uri) as JsonWebKeySet | undefined;
    },
    set: (uri: string, jwks: JsonWebKeySet) => {
      store.sets += 1;
      values.set(uri, structuredClone(jwks));
    },
  };
  return store;
}

/** A verifier as a fresh instance makes it: nothing cached in the process. */
function coldInstance(overrides: Partial<LogtoVerifierOptions> = {}) {
  clearJwksCache();
  return createLogtoVerifier({ endpoint: ENDPOINT, audience: AUDIENCE, fetch: jwksFetch, cache: false, ...overrides });
}

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => {
  issuer.published = jwksOf(currentKey);
  issuer.requests = 0;
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
});
afterEach(() => {
  clearJwksCache();
  vi.useRealTimers();
});

describe('a fleet fetches the JWKS once and shares it through the store', () => {
  it('the first instance fetches and writes { keys, fetchedAt }; ten cold instances after it make no JWKS request', async () => {
    const store = memoryStore();
    await coldInstance({ jwksCache: store })(await signToken(currentKey));
    expect([issuer.requests, store.sets]).toEqual([1, 1]);
    expect(store.values.get(JWKS_URI)).toEqual({ keys: issuer.published.keys, fetchedAt: Date.now() });

    for (let instance = 0; instance < 10; instance += 1) {
      expect((await coldInstance({ jwksCache: store })(await signToken(currentKey))).userId).toBe(USER_ID);
    }
    expect([issuer.requests, store.gets, store.sets]).toEqual([1, 11, 1]);
  });

  it('never writes back a key set it read from the store, and never reads or writes one for a static jwks', async () => {
    const store = memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() });
    const verify = coldInstance({ jwksCache: store });
    for (let request = 0; request < 3; request += 1) await verify(await signToken(currentKey));
    expect([issuer.requests, store.gets, store.sets]).toEqual([0, 1, 0]);

    const empty = memoryStore();
    await coldInstance({ jwksCache: empty, jwks: jwksOf(currentKey) })(await signToken(currentKey));
    expect([issuer.requests, empty.gets, empty.sets]).toEqual([0, 0, 0]);
  });

  it('a token of a key the stored set lacks (Logto rotated) re-fetches once, is verified, and the store learns the new set', async () => {
    const store = memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() });
    issuer.published = jwksOf(nextKey, currentKey);
    expect((await coldInstance({ jwksCache: store })(await signToken(nextKey))).userId).toBe(USER_ID);
    expect([issuer.requests, store.sets]).toEqual([1, 1]);
    expect((store.values.get(JWKS_URI) as JsonWebKeySet).keys.map((key) => key.kid)).toEqual(['logto-next', 'logto-current']);

    await coldInstance({ jwksCache: store })(await signToken(nextKey));
    expect(issuer.requests).toBe(1);
  });
});

describe('a stale store cannot pin a key Logto withdrew', () => {
  it('a stored set older than jwksMaxAgeMs serves at once, is refreshed behind the request, and rewritten', async () => {
    const store = memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() - 700_000 });
    issuer.published = jwksOf(nextKey);
    const verify = coldInstance({ jwksCache: store });
    const refreshedAfter = Date.now();
    // The stored keys answer this request; the refresh runs behind it.
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    await vi.waitFor(() => expect(store.sets).toBe(1));
    expect(store.values.get(JWKS_URI)).toEqual({ keys: jwksOf(nextKey).keys, fetchedAt: expect.any(Number) });
    expect((store.values.get(JWKS_URI) as { fetchedAt: number }).fetchedAt).toBeGreaterThanOrEqual(refreshedAfter);
    expect((await rejectionOf(verify(await signToken(currentKey)))).reason).toBe('unknown_key');
    // The next cold instance reads the refreshed set: the withdrawn key is gone fleet-wide.
    expect((await rejectionOf(coldInstance({ jwksCache: store })(await signToken(currentKey)))).reason).toBe('unknown_key');
  });

  it('a stored set without fetchedAt (age unknown) counts as stale and is refreshed on its first use', async () => {
    const store = memoryStore(jwksOf(currentKey));
    const refreshedAfter = Date.now();
    await coldInstance({ jwksCache: store })(await signToken(currentKey));
    await vi.waitFor(() => expect(store.sets).toBe(1));
    expect(issuer.requests).toBe(1);
    expect((store.values.get(JWKS_URI) as { fetchedAt: number }).fetchedAt).toBeGreaterThanOrEqual(refreshedAfter);
  });

  it('a fetchedAt a little ahead (clock skew) counts as now; far ahead as unknown age, refreshed on first use', async () => {
    const skewed = memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() + 5_000 });
    await coldInstance({ jwksCache: skewed })(await signToken(currentKey));
    expect([issuer.requests, skewed.sets]).toEqual([0, 0]);

    const ahead = memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() + 10 * 365 * 86_400_000 });
    await coldInstance({ jwksCache: ahead })(await signToken(currentKey));
    await vi.waitFor(() => expect(ahead.sets).toBe(1));
    expect(issuer.requests).toBe(1);
  });
});

describe('store failures are misses, reported to the logger, never request failures', () => {
  const never = new Promise<never>(() => undefined);
  const reads: [string, JwksCache['get'], string][] = [
    ['a get that throws', () => { throw new Error('ECONNRESET'); }, 'ECONNRESET'],
    ['a get that rejects', () => Promise.reject(new Error('READONLY You can\'t write against a read only replica')), 'READONLY'],
    ['a get that never answers', () => never, 'no answer within 200 ms'],
    ['a value that is not a key set', () => 'not a key set' as unknown as JsonWebKeySet, 'the stored value is unusable: it is not a JSON Web Key Set'],
    ['an empty key set', () => ({ keys: [] }), 'the stored value is unusable: it holds no keys'],
    ['keys without kty', () => ({ keys: [{ kid: 'x' }] }) as unknown as JsonWebKeySet, 'the stored value is unusable: a key has no "kty"'],
  ];

  it.each(reads)('%s: the JWKS is fetched and the request succeeds', async (_name, get, reason) => {
    const logger = new RecordingLogger();
    let sets = 0;
    const store: JwksCache = { get, set: () => void (sets += 1) };
    const verify = coldInstance({ jwksCache: store, logger, jwksTimeoutMs: 200 });
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect([issuer.requests, sets]).toEqual([1, 1]);
    expect(logger.messages('warn')).toEqual([expect.stringContaining(`logto-supabase: jwksCache.get for ${JWKS_URI} failed: ${reason}`)]);
  });

  it.each([
    ['a set that throws', () => { throw new Error('OOM command not allowed'); }],
    ['a set that rejects', () => Promise.reject(new Error('OOM command not allowed'))],
  ] as [string, JwksCache['set']][])('%s: the request succeeds and the failure is a warning', async (_name, set) => {
    const logger = new RecordingLogger();
    const verify = coldInstance({ jwksCache: { get: () => undefined, set }, logger });
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(logger.messages('warn')).toEqual([`logto-supabase: jwksCache.set for ${JWKS_URI} failed: OOM command not allowed`]);
  });

  it('a set that never answers holds the request for jwksTimeoutMs at most', async () => {
    vi.useRealTimers();
    const logger = new RecordingLogger();
    const verify = coldInstance({ jwksCache: { get: () => undefined, set: () => new Promise(() => undefined) }, logger, jwksTimeoutMs: 200 });
    const started = performance.now();
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(logger.messages('warn')).toEqual([`logto-supabase: jwksCache.set for ${JWKS_URI} failed: no answer within 200 ms`]);
  });

  it('reports a key set read from the store to the logger, with its kids', async () => {
    const logger = new RecordingLogger();
    await coldInstance({ jwksCache: memoryStore({ keys: jwksOf(currentKey).keys, fetchedAt: Date.now() }), logger })(await signToken(currentKey));
    expect(logger.messages('info')).toContain(`logto-supabase: loaded the key set of ${JWKS_URI} from jwksCache: kids "logto-current"`);
  });
});

describe('the recipes in examples/jwks-cache', () => {
  /** node-redis and ioredis, as far as the recipe uses them: async get/set of strings. */
  class FakeRedis {
    readonly data = new Map<string, string>();
    async get(key: string): Promise<string | null> {
      return this.data.get(key) ?? null;
    }
    async set(key: string, value: string): Promise<'OK'> {
      if (typeof value !== 'string') throw new TypeError('Redis values are strings');
      this.data.set(key, value);
      return 'OK';
    }
  }

  it('Redis: the second instance reads the key set the first one stored as JSON, without fetching', async () => {
    const redis = new FakeRedis();
    await coldInstance({ jwksCache: redisJwksCache(redis) })(await signToken(currentKey));
    expect(JSON.parse(redis.data.get(`jwks:${JWKS_URI}`)!)).toEqual({ keys: issuer.published.keys, fetchedAt: Date.now() });
    expect((await coldInstance({ jwksCache: redisJwksCache(redis) })(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(issuer.requests).toBe(1);
  });

  it('Redis: a value that is not JSON is a miss and a warning', async () => {
    const redis = new FakeRedis();
    redis.data.set(`jwks:${JWKS_URI}`, '{"keys": [');
    const logger = new RecordingLogger();
    await coldInstance({ jwksCache: redisJwksCache(redis), logger })(await signToken(currentKey));
    expect(issuer.requests).toBe(1);
    expect(logger.messages('warn')).toHaveLength(1);
  });

  it('a file: a restarted process reads the key set from it; no file yet is a quiet miss; a broken file a warning', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'jwks-cache-'));
    try {
      const path = join(folder, 'logto-jwks.json');
      const logger = new RecordingLogger();
      await coldInstance({ jwksCache: fileJwksCache(path), logger })(await signToken(currentKey));
      expect(logger.messages('warn')).toEqual([]);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ keys: issuer.published.keys, fetchedAt: Date.now() });
      await coldInstance({ jwksCache: fileJwksCache(path) })(await signToken(currentKey));
      expect(issuer.requests).toBe(1);

      await writeFile(path, 'half a fi');
      await coldInstance({ jwksCache: fileJwksCache(path), logger })(await signToken(currentKey));
      expect(issuer.requests).toBe(2);
      expect(logger.messages('warn')).toHaveLength(1);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('warm instances refresh through the store too', () => {
  it('a stale warm instance takes the fresher set another instance stored, without a JWKS request', async () => {
    const store = memoryStore();
    const verify = coldInstance({ jwksCache: store, jwksMaxAgeMs: 60_000 });
    await verify(await signToken(currentKey));
    expect(issuer.requests).toBe(1);
    advance(61_000);
    // Another instance refreshed meanwhile, and Logto had rotated.
    store.values.set(JWKS_URI, { keys: jwksOf(nextKey).keys, fetchedAt: Date.now() - 1_000 });
    await verify(await signToken(currentKey));
    await vi.waitFor(() => expect(store.gets).toBe(2));
    expect((await verify(await signToken(nextKey))).userId).toBe(USER_ID);
    expect([issuer.requests, store.sets]).toEqual([1, 1]);
  });

  it('a stale warm instance fetches when the stored set is no fresher than its own, and writes the result', async () => {
    const store = memoryStore();
    const verify = coldInstance({ jwksCache: store, jwksMaxAgeMs: 60_000 });
    await verify(await signToken(currentKey));
    advance(61_000);
    await verify(await signToken(currentKey));
    await vi.waitFor(() => expect(store.sets).toBe(2));
    expect(issuer.requests).toBe(2);
  });
});
