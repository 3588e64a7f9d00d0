import { importJWK, type JWK, type JWSHeaderParameters } from 'jose';
import { LogtoAuthError } from './errors.js';
import type { Log } from './log.js';

/** A JSON Web Key Set (RFC 7517 §5): what Logto publishes at `${endpoint}/oidc/jwks`. */
export interface JsonWebKeySet {
  /** The public keys; Logto publishes its Current, Next and Previous signing keys. */
  keys: JWK[];
}

/**
 * A store the instances of a fleet share, so that a cold instance reads Logto's key set from it
 * instead of fetching the JWKS. Read before the first fetch, written (and awaited) after every
 * successful one, never with keys that came from the store or from a static `jwks`. The value
 * written is the key set with `fetchedAt` (milliseconds since the epoch) beside `keys`, so a cold
 * instance knows its age and refreshes it after `jwksMaxAgeMs`; a value without it counts as stale.
 * A stale warm instance reads the store first and takes a fresher set another instance stored.
 * Errors (a throwing or hanging `get`, a value that is not a key set) are misses, reported to the
 * logger, never request failures. Trust: whoever can write the store can add signing keys.
 *
 * @example
 * const memory = new Map<string, JsonWebKeySet>();
 * const jwksCache: JwksCache = { get: (uri) => memory.get(uri), set: (uri, jwks) => void memory.set(uri, jwks) };
 */
export interface JwksCache {
  /** The key set stored for a JWKS URI, if any (a miss: `undefined`). */
  get(uri: string): JsonWebKeySet | undefined | Promise<JsonWebKeySet | undefined>;
  /** Stores a key set just fetched from the JWKS URI (with `fetchedAt`). */
  set(uri: string, jwks: JsonWebKeySet): void | Promise<void>;
}

/** How a remote key set is fetched and kept. */
export interface RemoteKeySetSettings {
  /** Abort a JWKS request after this many milliseconds (default 5000). */
  timeoutMs: number;
  /** An unknown `kid` re-fetches the key set at most once per this many milliseconds (default 30000). */
  cooldownMs: number;
  /** Keys older than this are re-fetched on the next request; a failed re-fetch keeps them (default 600000). */
  maxAgeMs: number;
  fetch: typeof fetch;
}

/** Larger key sets are refused: Logto publishes at most three keys (Current, Next, Previous). */
export const maxJwksKeys = 100;
export const maxJwksBytes = 512 * 1024;
/** After a failed cold fetch, further cold requests fail fast for this long instead of piling up. */
const failureBackoffMs = 1000;

const curveOf: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** The key types a JWS algorithm can be verified with. */
function keyFits(jwk: JWK, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === curveOf[alg];
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg === 'EdDSA' || alg === 'Ed25519') return jwk.kty === 'OKP';
  return false;
}

/**
 * Keys of one key set, imported once per key and algorithm. Private key material in a published
 * set is ignored: only the public parameters are imported.
 */
class KeyCache {
  private keys: JWK[] = [];
  private imported = new Map<string, Promise<CryptoKey>>();

  get size(): number {
    return this.keys.length;
  }

  kids(): string[] {
    return this.keys.map((key) => String(key.kid ?? '(no kid)'));
  }

  replace(keys: JWK[]): void {
    this.keys = keys;
    this.imported.clear();
  }

  candidates(header: JWSHeaderParameters): JWK[] {
    const alg = header.alg ?? '';
    return this.keys.filter((jwk) => (header.kid === undefined || jwk.kid === header.kid) && keyFits(jwk, alg));
  }

  import(jwk: JWK, alg: string): Promise<CryptoKey> {
    const id = `${alg}:${this.keys.indexOf(jwk)}`;
    let key = this.imported.get(id);
    if (!key) {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...publicJwk } = jwk;
      key = importJWK({ ...publicJwk, alg }, alg) as Promise<CryptoKey>;
      key.catch(() => this.imported.delete(id));
      this.imported.set(id, key);
    }
    return key;
  }
}

function pickKey(cache: KeyCache, header: JWSHeaderParameters): JWK | undefined {
  const candidates = cache.candidates(header);
  // Without a kid the choice must be unambiguous; Logto always sends one.
  if (header.kid === undefined && candidates.length > 1) {
    throw new LogtoAuthError('invalid_token', 'The token has no "kid" and the key set has several matching keys.', { reason: 'unknown_key' });
  }
  return candidates[0];
}

function noKey(header: JWSHeaderParameters): LogtoAuthError {
  return new LogtoAuthError(
    'invalid_token',
    header.kid === undefined
      ? 'No key of the key set can verify the token.'
      : 'The token was signed with a key ("kid") that the issuer does not publish.',
    { reason: 'unknown_key' },
  );
}

export type KeyResolver = (header: JWSHeaderParameters) => Promise<CryptoKey>;

/** Validates a key set's shape; returns the reason it is unusable, or undefined. */
export function checkKeySet(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as JsonWebKeySet).keys)) {
    return 'it is not a JSON Web Key Set ({ "keys": [...] })';
  }
  const { keys } = value as JsonWebKeySet;
  if (keys.length === 0) return 'it holds no keys';
  if (keys.length > maxJwksKeys) return `it holds more than ${maxJwksKeys} keys`;
  if (keys.some((key) => typeof key !== 'object' || key === null || typeof key.kty !== 'string')) {
    return 'a key has no "kty"';
  }
  return undefined;
}

/** A static key set (`jwks` option): no network. */
export function localKeyResolver(jwks: JsonWebKeySet): KeyResolver {
  const cache = new KeyCache();
  cache.replace(jwks.keys);
  return async (header) => {
    const jwk = pickKey(cache, header);
    if (!jwk) throw noKey(header);
    return cache.import(jwk, header.alg!);
  };
}

/** What a verifier brings to the key set it shares: where to report, and its fleet's store. */
export interface KeySetContext {
  log: Log;
  store: JwksCache | undefined;
}

/** Bumped by `clearJwksCache()`: key sets of an older generation forget their keys on next use. */
let generation = 0;

/**
 * A remote key set shared by every verifier of the process that uses the same URI: one cache,
 * one in-flight request however many requests arrive cold, and re-fetches rate-limited.
 *
 * | state        | when                                  | known kid                                  | unknown kid                         |
 * |--------------|---------------------------------------|--------------------------------------------|-------------------------------------|
 * | cold         | no keys yet                           | load (store, else fetch)                   | load; refuse if still unknown       |
 * | failing      | cold, and a fetch failed < 1 s ago    | 503 at once, no request                    | 503 at once, no request             |
 * | fresh        | keys fetched < jwksMaxAgeMs ago       | use it                                     | re-fetch and wait, then decide      |
 * | stale        | keys older, or of unknown age         | use it; refresh behind (store, else fetch) | re-fetch and wait, then decide      |
 * | cooling down | unknown kid re-fetched < cooldown ago | use it                                     | refuse: "will be fetched after N s" |
 */
export class RemoteKeySet {
  private readonly cache = new KeyCache();
  /** The URI as logs may show it: without credentials. */
  private readonly name: string;
  /** When the keys held were fetched from the issuer (0 when their age is unknown). */
  private loadedAt = 0;
  private fetchedAt = -Infinity;
  /** When an unknown kid last caused a fetch: only those are rate-limited, not loads and refreshes. */
  private unknownKidFetchedAt = -Infinity;
  private failedAt = -Infinity;
  private inflight: Promise<'store' | 'issuer'> | undefined;
  private generation = generation;

  constructor(
    private readonly uri: string,
    private readonly settings: RemoteKeySetSettings,
  ) {
    this.name = withoutCredentials(uri);
  }

  async resolve(header: JWSHeaderParameters, context: KeySetContext): Promise<CryptoKey> {
    this.forgetIfCleared();
    let fetchedForThisRequest = false;
    if (this.isCold()) {
      if (this.isFailing()) throw unavailable();
      fetchedForThisRequest = (await this.load(context, true)) === 'issuer';
    }
    if (!fetchedForThisRequest && this.isStale() && !this.fetchedRecently()) {
      // Refreshed in the background (from the store when another instance refreshed it): requests
      // go on with the keys we have, even if Logto is slow or down.
      this.load(context, true).catch(() => undefined);
    }
    let jwk = pickKey(this.cache, header);
    // Logto publishes the Next key before signing with it: an unknown kid means our copy is old,
    // unless it was fetched for this very request.
    if (!jwk && !fetchedForThisRequest) {
      if (!this.mayRefetchForUnknownKid()) throw this.coolingDown(header, context.log);
      if (!this.inflight) this.unknownKidFetchedAt = Date.now();
      await this.load(context, false);
      jwk = pickKey(this.cache, header);
    }
    if (!jwk) throw noKey(header);
    return this.cache.import(jwk, header.alg!);
  }

  private isCold(): boolean {
    return this.cache.size === 0;
  }

  /** Cold after a failed fetch: further cold requests fail fast instead of piling up. */
  private isFailing(): boolean {
    return Date.now() - this.failedAt < failureBackoffMs && !this.inflight;
  }

  private isStale(): boolean {
    return Date.now() - this.loadedAt > this.settings.maxAgeMs;
  }

  /** A refresh that failed is not retried on every request, only once per cooldown. */
  private fetchedRecently(): boolean {
    return Date.now() - this.fetchedAt <= this.settings.cooldownMs;
  }

  private isCoolingDown(): boolean {
    return Date.now() - this.unknownKidFetchedAt <= this.settings.cooldownMs;
  }

  /** A fetch in flight may bring the key: wait for it rather than refuse the token it was made for. */
  private mayRefetchForUnknownKid(): boolean {
    return this.inflight !== undefined || !this.isCoolingDown();
  }

  private forgetIfCleared(): void {
    if (this.generation === generation) return;
    this.generation = generation;
    this.cache.replace([]);
    this.loadedAt = 0;
    this.fetchedAt = this.unknownKidFetchedAt = this.failedAt = -Infinity;
  }

  /** Loads the key set (from the store first, if asked); concurrent callers share one load. */
  private load(context: KeySetContext, fromStore: boolean): Promise<'store' | 'issuer'> {
    this.inflight ??= this.loadOnce(context, fromStore).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async loadOnce(context: KeySetContext, fromStore: boolean): Promise<'store' | 'issuer'> {
    if (fromStore && context.store && (await this.readStore(context.store, context.log))) return 'store';
    await this.fetchKeys(context);
    return 'issuer';
  }

  private async readStore(store: JwksCache, log: Log): Promise<boolean> {
    try {
      const stored = await within(this.settings.timeoutMs, () => store.get(this.uri));
      if (stored === undefined || stored === null) return false;
      const problem = checkKeySet(stored);
      if (problem) throw new Error(`the stored value is unusable: ${problem}`);
      const { fetchedAt } = stored as { fetchedAt?: unknown };
      // Instances' clocks differ a little; a time further ahead is unknown age, or it would never be stale.
      const storedAt = typeof fetchedAt === 'number' && fetchedAt <= Date.now() + 60_000 ? Math.min(fetchedAt, Date.now()) : 0;
      // A cold key set takes any stored set; a stale one only a fresher set than its own.
      if (!this.isCold() && (storedAt <= this.loadedAt || Date.now() - storedAt > this.settings.maxAgeMs)) return false;
      this.install(stored.keys, storedAt, 'jwksCache', log);
      return true;
    } catch (error) {
      this.storeFailed('get', error, log);
      return false;
    }
  }

  private async fetchKeys({ log, store }: KeySetContext): Promise<void> {
    this.fetchedAt = Date.now();
    let keys: JWK[];
    try {
      keys = await this.download();
    } catch (error) {
      this.failedAt = Date.now();
      const detail = detailOf(error);
      const kept = this.isCold() ? '' : ' (the keys already loaded stay in use)';
      log(kept ? 'warn' : 'error', `the key set at ${this.name} could not be loaded${kept}: ${detail.message}`, detail);
      throw unavailable(detail);
    }
    this.install(keys, Date.now(), 'the issuer', log);
    // Awaited (within the timeout): on Workers, a write left running after the response is cancelled.
    const saved = { keys, fetchedAt: this.loadedAt };
    if (store) await within(this.settings.timeoutMs, () => store.set(this.uri, saved)).catch((error: unknown) => this.storeFailed('set', error, log));
  }

  /** A store failure is a miss, reported as a warning: the JWKS is fetched (get) or simply not shared (set). */
  private storeFailed(method: 'get' | 'set', error: unknown, log: Log): void {
    const detail = detailOf(error);
    log('warn', `jwksCache.${method} for ${this.name} failed: ${detail.message}`, detail);
  }

  private install(keys: JWK[], loadedAt: number, source: string, log: Log): void {
    const before = this.cache.kids();
    this.cache.replace(keys);
    this.loadedAt = loadedAt;
    const after = this.cache.kids();
    const added = after.filter((kid) => !before.includes(kid));
    const removed = before.filter((kid) => !after.includes(kid));
    if (before.length === 0) log('info', `loaded the key set of ${this.name} from ${source}: kids ${list(after)}`);
    else if (added.length + removed.length > 0) log('info', `the key set of ${this.name} changed (from ${source}): added ${list(added)}, removed ${list(removed)}`);
  }

  private async download(): Promise<JWK[]> {
    const response = await this.settings.fetch(this.uri, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    if (response.status !== 200) {
      discard(response.body);
      throw new Error(`the JWKS endpoint answered HTTP ${response.status}`);
    }
    const text = await readLimited(response, maxJwksBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('the JWKS endpoint answered with malformed JSON');
    }
    const problem = checkKeySet(body);
    if (problem) throw new Error(`the JWKS endpoint answered, but ${problem}`);
    return (body as JsonWebKeySet).keys;
  }

  private coolingDown(header: JWSHeaderParameters, log: Log): LogtoAuthError {
    const seconds = Math.max(1, Math.ceil((this.unknownKidFetchedAt + this.settings.cooldownMs - Date.now()) / 1000));
    log('warn', `refused a token signed with key ${kidOf(header)}, not in the key set of ${this.name}: it was re-fetched less than ${this.settings.cooldownMs / 1000} s ago, the next re-fetch is allowed in ${seconds} s`);
    return new LogtoAuthError('invalid_token', `The token was signed with a key ("kid") that is not in the key set yet: a new key set will be fetched after ${seconds} s.`, {
      reason: 'unknown_key',
    });
  }
}

const unavailable = (cause?: Error) =>
  new LogtoAuthError('jwks_unavailable', 'The signing keys of the Logto issuer could not be loaded.', { retryAfter: failureBackoffMs / 1000, cause });

/** URL credentials (`https://user:password@host`) removed from a URI or an error message. */
export const withoutCredentials = (text: string) => text.replace(/\/\/[^/\s@]*@/g, '//');

/**
 * An error's message and its causes' (`fetch failed: connect ECONNREFUSED 10.0.0.7:443`), without
 * URL credentials: for the operator's log and `cause`, never for the client.
 */
function detailOf(error: unknown): Error {
  const parts: string[] = [];
  for (let next = error, depth = 0; next !== undefined && depth < 4; depth += 1) {
    parts.push(next instanceof Error ? (next.name === 'TimeoutError' ? 'timed out' : next.message) : String(next));
    next = next instanceof Error ? next.cause : undefined;
  }
  return new Error(withoutCredentials(parts.join(': ')));
}

/** A kid named in a log line: quoted, and only when it is a plain identifier (it comes from the token). */
const kidOf = (header: JWSHeaderParameters) =>
  typeof header.kid === 'string' && /^[\w.-]{1,64}$/.test(header.kid) ? `"${header.kid}"` : '(no readable "kid")';

const list = (kids: string[]) => (kids.length === 0 ? 'none' : kids.map((kid) => JSON.stringify(kid.slice(0, 64))).join(', '));

/** A store that never answers is a miss, not a hung request. */
function within<T>(ms: number, read: () => T | Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve().then(read), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Drops a body we will not read. Not awaited: the cancel of a tee'd body (a fetch wrapper that
 * clones responses, such as msw) only settles once every branch is cancelled.
 */
function discard(body: ReadableStream<Uint8Array> | null): void {
  body?.cancel().catch(() => undefined);
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    discard(response.body);
    throw new Error(`the key set is larger than ${limit} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => undefined);
      throw new Error(`the key set is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const sharedKeySets = new Map<string, RemoteKeySet>();
let keySetsByFetch = new WeakMap<typeof fetch, Map<string, RemoteKeySet>>();

/**
 * The process-wide key set for a JWKS URI. The first verifier's settings are kept; a custom
 * `fetch` gets key sets of its own.
 */
export function remoteKeySet(uri: string, settings: RemoteKeySetSettings, customFetch?: typeof fetch): RemoteKeySet {
  let registry = sharedKeySets;
  if (customFetch) {
    registry = keySetsByFetch.get(customFetch) ?? new Map();
    keySetsByFetch.set(customFetch, registry);
  }
  let keySet = registry.get(uri);
  if (!keySet) {
    keySet = new RemoteKeySet(uri, settings);
    registry.set(uri, keySet);
  }
  return keySet;
}

/**
 * Forgets every remote key set of the process, those of a custom `logto.fetch` too, so the next
 * request fetches the keys again (after an incident, or between tests). Verifiers made before
 * start cold too; verifiers made after get a key set with their own settings.
 *
 * @example
 * clearJwksCache(); // a key Logto withdrew is no longer trusted from here on
 */
export function clearJwksCache(): void {
  generation += 1;
  sharedKeySets.clear();
  keySetsByFetch = new WeakMap();
}
