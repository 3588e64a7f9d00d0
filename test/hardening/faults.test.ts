/**
 * Faults of the outside world, on real loopback servers: the Logto stand-in rotating its signing
 * key the way Logto does, a flood of tokens naming unknown keys against a JWKS endpoint that
 * counts its requests, and Supabase unreachable or failing behind every adapter.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../examples/express-spa-backend/app.js';
import { api, startLocalLogto, users, type LocalLogto } from '../../examples/local-stack/src/index.js';
import { listen, type Listening } from '../../examples/shared/listen.js';
import {
  clearJwksCache,
  createLogtoSupabase,
  createLogtoVerifier,
  isLogtoAuthError,
  LogtoAuthError,
  type LogtoSupabaseOptions,
  type LogtoVerifierOptions,
} from '../../src/index.js';
import { drivers, type RunningApp } from '../adapters/drivers.js';
import { closedPort, rejectionOf } from '../helpers/assertions.js';
import { RecordingLogger } from '../helpers/logger.js';
import { AUDIENCE, generateTestKey, jwksOf, logtoClaims, randomId, signRaw, signToken, type TestKey } from '../helpers/tokens.js';
import { PUBLISHABLE_KEY } from '../helpers/supabase.js';

const JWT_SECRET = 'hardening-faults-jwt-secret-0123456789abcdef';
const unknownKid = 'The token was signed with a key ("kid") that the issuer does not publish.';
const coolingDown = (seconds: number) => `The token was signed with a key ("kid") that is not in the key set yet: a new key set will be fetched after ${seconds} s.`;
/** Either refusal of an unknown kid: after the re-fetch it caused, or while re-fetches cool down. */
const refusedKid = expect.stringMatching(/^The token was signed with a key \("kid"\) that (the issuer does not publish|is not in the key set yet: a new key set will be fetched after \d+ s)\.$/);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** A `fetch` that counts the requests made for one URL. */
function countingFetch(url: string): typeof fetch & { count: number } {
  const counted = Object.assign(
    ((input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === url) counted.count += 1;
      return globalThis.fetch(input, init);
    }) as typeof fetch,
    { count: 0 },
  );
  return counted;
}

async function serve(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

afterEach(() => {
  vi.useRealTimers();
});

// ---------------------------------------------------------------------------------------------

describe('key rotation as Logto does it (the new key signs, the old one stays published, then is removed)', () => {
  let logto: LocalLogto;
  afterEach(() => logto?.stop());

  /** A bridge on the Logto stand-in; Supabase is never reached by these tests. */
  const bridgeOn = (logtoOptions: Partial<LogtoVerifierOptions>) =>
    createLogtoSupabase({
      logto: { endpoint: logto.endpoint, audience: api.resource, ...logtoOptions },
      supabase: { url: 'http://127.0.0.1:9', anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET },
    });

  const signIn = async (user: 'alice' | 'bob') => ({ user, token: (await logto.signIn(user)).accessToken });

  it('learns the new key with exactly one JWKS re-fetch, shared by every concurrent request that names it', async () => {
    logto = await startLocalLogto();
    const jwks = countingFetch(logto.jwksUri);
    const bridge = bridgeOn({ jwksCooldownMs: 50, fetch: jwks });
    const before = await signIn('alice');
    await expect(bridge.authenticate(bearer(before.token))).resolves.toMatchObject({ auth: { userId: users.alice.id } });
    expect(jwks.count).toBe(1);

    await sleep(60); // past the cooldown of the first load
    const newKid = await logto.rotateKeys();
    const after = await Promise.all([signIn('alice'), signIn('bob')]);
    expect(after.map(({ token }) => kidOf(token))).toEqual([newKid, newKid]);
    expect(kidOf(before.token)).not.toBe(newKid);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => after[index % 2]!).map(async ({ user, token }) => ({
        user,
        auth: (await bridge.authenticate(bearer(token))).auth,
      })),
    );
    expect(results.every(({ user, auth }) => auth?.userId === users[user].id)).toBe(true);
    expect(jwks.count).toBe(2);

    // The previous key is still published: tokens it signed keep working, with no request.
    await expect(bridge.verify(before.token)).resolves.toMatchObject({ userId: users.alice.id });
    expect(jwks.count).toBe(2);
  });

  it('fails no request with a valid token through rotation and retirement, and refuses old tokens once the key set refreshes', async () => {
    logto = await startLocalLogto();
    const cooldownMs = 100;
    const maxAgeMs = 300;
    const jwks = countingFetch(logto.jwksUri);
    // No verified-token cache: every request goes to the key set (the cache is the next test's subject).
    const bridge = bridgeOn({ jwksCooldownMs: cooldownMs, jwksMaxAgeMs: maxAgeMs, cache: false, fetch: jwks });

    const old = await Promise.all([signIn('alice'), signIn('bob')]);
    const valid = [...old];
    const failures: string[] = [];
    let requests = 0;
    let running = true;
    const loop = async () => {
      for (let turn = 0; running; turn += 1) {
        const { user, token } = valid[turn % valid.length]!;
        try {
          const { auth } = await bridge.authenticate(bearer(token));
          if (auth?.userId !== users[user].id) failures.push(`${user}: authenticated as ${auth?.userId}`);
        } catch (error) {
          failures.push(`${user} (kid ${kidOf(token)}): ${String(error)}`);
        }
        requests += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const started = performance.now();
    const loops = Array.from({ length: 8 }, loop);

    await sleep(2 * maxAgeMs); // background refreshes of the old set while requests flow
    const newKid = await logto.rotateKeys();
    // The first token of the new key comes at least one cooldown after the last fetch of the old
    // set; the default-cooldown test below shows what happens when it does not.
    await sleep(cooldownMs);
    const fresh = await Promise.all([signIn('alice'), signIn('bob')]);
    expect(fresh.map(({ token }) => kidOf(token))).toEqual([newKid, newKid]);
    valid.push(...fresh);
    await sleep(2 * maxAgeMs);

    // Logto removes the previous key once the tokens it signed have expired: they leave the mix.
    valid.splice(0, old.length);
    logto.retireOldKeys();
    const retiredAt = performance.now();
    let refusal: LogtoAuthError | undefined;
    while (!refusal && performance.now() - retiredAt < 5000) {
      refusal = await bridge.authenticate(bearer(old[0]!.token)).then(
        () => undefined,
        (error: LogtoAuthError) => error,
      );
      if (!refusal) await sleep(20);
    }
    const refusedAfterMs = performance.now() - retiredAt;
    await sleep(maxAgeMs);
    running = false;
    await Promise.all(loops);
    const elapsedMs = performance.now() - started;

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(500);
    expect(refusal).toMatchObject({ status: 401, code: 'invalid_token', message: refusedKid });
    expect(refusedAfterMs).toBeLessThan(maxAgeMs + 1000);
    for (const { token } of old) {
      await expect(rejectionOf(bridge.authenticate(bearer(token)))).resolves.toMatchObject({ status: 401, message: refusedKid });
    }
    for (const { user, token } of fresh) {
      await expect(bridge.authenticate(bearer(token))).resolves.toMatchObject({ auth: { userId: users[user].id } });
    }
    // Background refreshes and the one re-fetch for the new kid: never more than one per cooldown.
    expect(jwks.count).toBeGreaterThanOrEqual(3);
    expect(jwks.count).toBeLessThanOrEqual(Math.ceil(elapsedMs / cooldownMs) + 1);
  });

  it('keeps honouring a token verified before its key was retired (verified-token cache) until it expires; an unseen one is refused', async () => {
    logto = await startLocalLogto();
    const jwks = countingFetch(logto.jwksUri);
    const bridge = bridgeOn({ jwksCooldownMs: 50, fetch: jwks });
    const seen = await signIn('alice');
    const unseen = await signIn('bob');
    await bridge.authenticate(bearer(seen.token));

    await logto.rotateKeys();
    logto.retireOldKeys();
    await sleep(60);
    // A token of the new key makes the verifier fetch the set, which no longer holds the old key.
    await expect(bridge.authenticate(bearer((await signIn('alice')).token))).resolves.toMatchObject({ auth: { userId: users.alice.id } });
    expect(jwks.count).toBe(2);

    await expect(bridge.authenticate(bearer(seen.token))).resolves.toMatchObject({ auth: { userId: users.alice.id } });
    await expect(rejectionOf(bridge.authenticate(bearer(unseen.token)))).resolves.toMatchObject({ status: 401, message: refusedKid });
  });

  it('with the default 30 s cooldown, a new key first used right after the start-up load is learnt with one re-fetch; the cooldown only limits unknown-kid re-fetches', async () => {
    logto = await startLocalLogto();
    const jwks = countingFetch(logto.jwksUri);
    const bridge = bridgeOn({ fetch: jwks });
    await bridge.authenticate(bearer((await signIn('alice')).token));
    expect(jwks.count).toBe(1);

    await logto.rotateKeys();
    const after = await signIn('bob');
    // Loads and refreshes do not count against the cooldown: the new key is learnt at once.
    await expect(bridge.authenticate(bearer(after.token))).resolves.toMatchObject({ auth: { userId: users.bob.id } });
    expect(jwks.count).toBe(2);

    // A second rotation within the cooldown of that re-fetch is refused until the cooldown ends.
    await logto.rotateKeys();
    const later = await signIn('alice');
    await expect(rejectionOf(bridge.authenticate(bearer(later.token)))).resolves.toMatchObject({ status: 401, message: coolingDown(30) });
    expect(jwks.count).toBe(2);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30_001 });
    await expect(bridge.authenticate(bearer(later.token))).resolves.toMatchObject({ auth: { userId: users.alice.id } });
    expect(jwks.count).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a flood of tokens naming unknown keys', () => {
  const floodSize = 10_000;
  let issuerKey: TestKey;
  let attacker: CryptoKey;
  let flood: string[];
  let jwksServer: Server;
  let endpoint: string;
  let jwksRequests = 0;

  beforeAll(async () => {
    issuerKey = await generateTestKey('ES256', 'issuer-key');
    // One attacker key computes every signature; each token names a random kid the issuer never published.
    attacker = (await generateTestKey('ES256')).privateKey;
    const claims = logtoClaims({ iss: undefined });
    flood = [];
    for (let start = 0; start < floodSize; start += 1000) {
      flood.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(1000, floodSize - start) }, () =>
            signRaw({ alg: 'ES256', typ: 'at+jwt', kid: randomId(16) }, claims, { alg: 'ES256', key: attacker }),
          ),
        )),
      );
    }
    jwksServer = createServer((req, res) => {
      if (req.url !== '/oidc/jwks') return void res.writeHead(404).end();
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(issuerKey)));
    });
    endpoint = await serve(jwksServer);
  });

  afterAll(() => close(jwksServer));
  // Verifiers of one JWKS URI share a key set; each test starts from a cold one with its own settings.
  afterEach(() => clearJwksCache());

  /**
   * Sends `tokens` 500 at a time; every one must be refused with a 401: the first 500 after the
   * one re-fetch they share, the rest at once, while re-fetches cool down for `cooldownSeconds`.
   */
  async function expectAllRefused(verify: (token: string) => Promise<unknown>, tokens: string[], cooldownSeconds: number): Promise<void> {
    const statuses = new Map<string, number>();
    for (let start = 0; start < tokens.length; start += 500) {
      const results = await Promise.allSettled(tokens.slice(start, start + 500).map((token) => verify(token)));
      for (const result of results) {
        const outcome =
          result.status === 'fulfilled'
            ? 'accepted'
            : isLogtoAuthError(result.reason)
              ? `${result.reason.status} ${result.reason.message}`
              : String(result.reason);
        statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(statuses)).toEqual({ [`401 ${unknownKid}`]: 500, [`401 ${coolingDown(cooldownSeconds)}`]: tokens.length - 500 });
  }

  it('re-fetches exactly once per cooldown window, refuses all 10,000 with 401, and keeps verifying the real key', async () => {
    const cooldownMs = 1000;
    const verify = createLogtoVerifier({ endpoint, audience: AUDIENCE, jwksCooldownMs: cooldownMs });
    const valid = () => signToken(issuerKey, { claims: { iss: `${endpoint}/oidc` } });
    // A frozen clock makes the windows exact; the HTTP requests and their timeouts stay real.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    jwksRequests = 0;
    await verify(await valid());
    expect(jwksRequests).toBe(1);

    const windows = 4;
    const began = performance.now();
    for (let window = 1; window <= windows; window += 1) {
      vi.setSystemTime(start + window * (cooldownMs + 1));
      const share = flood.slice(((window - 1) * floodSize) / windows, (window * floodSize) / windows);
      await expectAllRefused(verify, share, cooldownMs / 1000);
      expect(jwksRequests).toBe(1 + window);
      await expect(verify(await valid())).resolves.toMatchObject({ subject: expect.any(String) });
    }
    const seconds = (performance.now() - began) / 1000;
    expect(jwksRequests).toBe(1 + windows);
    expect(seconds).toBeLessThan(15);
  });

  it('makes one re-fetch for a whole flood with default settings, and answers it quickly', async () => {
    const verify = createLogtoVerifier({ endpoint, audience: AUDIENCE, cache: false });
    // A frozen clock: every refusal in the cooldown names the same wait.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    jwksRequests = 0;
    await verify(await signToken(issuerKey, { claims: { iss: `${endpoint}/oidc` } }));
    const began = performance.now();
    await expectAllRefused(verify, flood, 30);
    expect(jwksRequests).toBe(2);
    expect(performance.now() - began).toBeLessThan(10_000);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a JWKS outage tells clients nothing of the network, and the operator everything', () => {
  const unavailable = { error: 'jwks_unavailable', error_description: 'The signing keys of the Logto issuer could not be loaded.' };
  afterEach(() => clearJwksCache());

  it('answers a fixed 503 for a credentialed JWKS URL and a refused address; the logger gets the cause, without credentials', async () => {
    const port = await closedPort();
    const issuer = 'https://auth.example.com/oidc';
    const token = await signToken(await generateTestKey('ES256', 'k1'), { claims: { iss: issuer } });
    const cases = [
      { jwksUri: `http://svc:pw-0f-the-jwks@127.0.0.1:${port}/oidc/jwks`, cause: `Request cannot be constructed from a URL that includes credentials: http://127.0.0.1:${port}/oidc/jwks` },
      { jwksUri: `http://127.0.0.1:${port}/oidc/jwks`, cause: `fetch failed: connect ECONNREFUSED 127.0.0.1:${port}` },
    ];
    const hidden = ['pw-0f-the-jwks', 'svc:', 'ECONNREFUSED', `127.0.0.1:${port}`, 'credentials'];
    for (const { jwksUri, cause } of cases) {
      const logger = new RecordingLogger();
      const logto = { issuer, jwksUri, audience: AUDIENCE };
      const error = await rejectionOf(createLogtoVerifier({ ...logto, logger })(token));
      expect([error.status, error.message, (error.cause as Error).message]).toEqual([503, unavailable.error_description, cause]);
      const shown = [error.message, String(error), JSON.stringify(error), JSON.stringify(error.headers), await error.toResponse().text()];
      expect(logger.messages('error')).toEqual([`logto-supabase: the key set at http://127.0.0.1:${port}/oidc/jwks could not be loaded: ${cause}`]);
      expect(logger.lines.find((line) => line.level === 'error')?.details).toEqual([{ cause: new Error(cause) }]);

      for (const driver of drivers) {
        clearJwksCache();
        const app = await driver.start({ logger, logto, supabase: { url: 'http://127.0.0.1:9', anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET } });
        try {
          const response = await app.request('GET', '/api/posts', { token });
          expect([response.status, response.body], driver.name).toEqual([503, unavailable]);
          shown.push(JSON.stringify([...response.headers]), JSON.stringify(response.body));
        } finally {
          await app.close();
        }
      }
      for (const text of shown) for (const part of hidden) expect(text).not.toContain(part);
      expect(logger.messages('error')).toHaveLength(1 + drivers.length);
      expect(logger.text()).not.toContain('pw-0f-the-jwks');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('Supabase unreachable or failing is not an auth error', () => {
  let logto: LocalLogto;
  let aliceToken: string;
  let deadUrl: string;
  let failing: Server;
  let failingUrl: string;
  /** What the failing Supabase answers, and what it received. */
  let answer: { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
  let received: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    logto = await startLocalLogto();
    aliceToken = (await logto.signIn('alice')).accessToken;
    deadUrl = `http://127.0.0.1:${await closedPort()}`;
    failing = createServer((req, res) => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      req.resume();
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
    failingUrl = await serve(failing);
  });

  afterAll(async () => {
    await close(failing);
    await logto.stop();
  });

  const optionsFor = (url: string): LogtoSupabaseOptions => ({
    logto: { endpoint: logto.endpoint, audience: api.resource },
    supabase: { url, anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET },
  });

  const internalError = { status: 500, body: { code: 'XX000', details: null, hint: null, message: 'internal error' } };
  // PostgREST's answer while its schema cache loads; supabase-js retries GETs on 503, waiting Retry-After.
  const schemaCacheLoading = {
    status: 503,
    body: { code: 'PGRST002', details: null, hint: null, message: 'Could not query the database for the schema cache. Retrying.' },
    headers: { 'Retry-After': '0' },
  };

  /** The request reached Supabase with alice's minted JWT: the library had done its part. */
  function expectMintedForAlice(): void {
    expect(received.length).toBeGreaterThan(0);
    for (const { headers } of received) {
      expect(headers.apikey).toBe(PUBLISHABLE_KEY);
      const jwt = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
      expect(decodeJwt(jwt!)).toMatchObject({ sub: users.alice.id, role: 'authenticated' });
    }
  }

  describe.each(drivers)('behind the $name adapter', (driver) => {
    let dead: RunningApp;
    let failingApp: RunningApp;
    beforeAll(async () => {
      dead = await driver.start(optionsFor(deadUrl));
      failingApp = await driver.start(optionsFor(failingUrl));
    });
    afterAll(async () => {
      await dead.close();
      await failingApp.close();
    });

    it('unreachable: the handler gets the supabase-js fetch error (status 0), answered 502', async () => {
      // A POST: supabase-js retries GETs on network errors with 1 + 2 + 4 s of backoff (see the Express sample below).
      const response = await dead.request('POST', '/api/posts', { token: aliceToken, body: { title: 'hello' } });
      expect(response).toMatchObject({ status: 502, body: { code: '', message: expect.stringContaining('fetch failed') } });
      expect(response.headers.get('www-authenticate')).toBeNull();
    });

    it('answering 500: the handler gets PostgREST\'s error and status, not an auth error', async () => {
      answer = internalError;
      received = [];
      const response = await failingApp.request('GET', '/api/posts', { token: aliceToken });
      expect(response).toMatchObject({ status: 500, body: { code: 'XX000', message: 'internal error' } });
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(received).toHaveLength(1);
      expectMintedForAlice();
    });

    it('answering 503: supabase-js retries the GET three times, then the handler gets the 503', async () => {
      answer = schemaCacheLoading;
      received = [];
      const response = await failingApp.request('GET', '/api/posts', { token: aliceToken });
      expect(response).toMatchObject({ status: 503, body: { code: 'PGRST002' } });
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(received.map(({ method }) => method)).toEqual(['GET', 'GET', 'GET', 'GET']);
      expectMintedForAlice();
    });

    it('still answers a bad token 401 while Supabase is down', async () => {
      const response = await dead.request('GET', '/api/posts', { token: `${aliceToken.slice(0, -4)}AAAA` });
      expect(response).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    });
  });

  describe('behind the Express sample', () => {
    let dead: Listening;
    let failingApp: Listening;
    beforeAll(async () => {
      dead = await listen(createApp(optionsFor(deadUrl)));
      failingApp = await listen(createApp(optionsFor(failingUrl)));
    });
    afterAll(async () => {
      await dead.close();
      await failingApp.close();
    });

    const get = async (server: Listening, path: string) => {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${aliceToken}` } });
      return { status: response.status, authenticate: response.headers.get('www-authenticate'), body: (await response.json()) as unknown };
    };

    it('answers an unreachable Supabase 503 temporarily_unavailable, after supabase-js\'s retries for a GET, naming no address', async () => {
      const [me, posts] = await Promise.all([get(dead, '/api/me'), get(dead, '/api/posts')]);
      expect(me).toEqual({
        status: 503,
        authenticate: null,
        body: { error: 'temporarily_unavailable', error_description: 'The database cannot be reached. Try again later.' },
      });
      expect(posts).toEqual(me);
    }, 20_000);

    it('answers Supabase\'s 500 as server_error and its 503 (schema cache loading) as temporarily_unavailable, with no internals', async () => {
      answer = internalError;
      expect(await get(failingApp, '/api/posts')).toEqual({
        status: 500,
        authenticate: null,
        body: { error: 'server_error', error_description: 'The request could not be completed.' },
      });
      answer = schemaCacheLoading;
      expect(await get(failingApp, '/api/posts')).toEqual({
        status: 503,
        authenticate: null,
        body: { error: 'temporarily_unavailable', error_description: 'The database cannot be reached. Try again later.' },
      });
    });
  });
});
