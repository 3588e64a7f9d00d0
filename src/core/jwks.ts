import { importJWK, type JWK, type JWSHeaderParameters } from 'jose';
import { LogtoAuthError } from './errors.js';

export interface JsonWebKeySet {
  keys: JWK[];
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

/**
 * A remote key set shared by every verifier of the process that uses the same URI: one cache,
 * one in-flight request however many requests arrive cold, and re-fetches rate-limited.
 */
export class RemoteKeySet {
  private readonly cache = new KeyCache();
  private loadedAt = 0;
  private fetchedAt = -Infinity;
  /** When an unknown kid last caused a fetch: only those are rate-limited, not loads and refreshes. */
  private unknownKidFetchedAt = -Infinity;
  private failedAt = -Infinity;
  private inflight: Promise<void> | undefined;
  /** Number of HTTP requests made for this key set (observability and tests). */
  fetchCount = 0;

  constructor(
    readonly uri: string,
    private readonly settings: RemoteKeySetSettings,
  ) {}

  readonly resolve: KeyResolver = async (header) => {
    const now = Date.now();
    const cold = this.cache.size === 0;
    if (cold) {
      if (now - this.failedAt < failureBackoffMs && !this.inflight) throw this.unavailable();
      await this.reload(true);
    } else if (now - this.loadedAt > this.settings.maxAgeMs && now - this.fetchedAt > this.settings.cooldownMs) {
      // Refreshed in the background: requests go on with the keys we have, even if Logto is slow or down.
      void this.reload(false);
    }
    let jwk = pickKey(this.cache, header);
    // A fetch in flight may bring the key: wait for it rather than refuse the token it was made for.
    // A key set just loaded for this very request is as new as a re-fetch would be.
    if (!jwk && !cold && (this.inflight || Date.now() - this.unknownKidFetchedAt > this.settings.cooldownMs)) {
      // Logto publishes the Next key before signing with it; an unknown kid means our copy is old.
      if (!this.inflight) this.unknownKidFetchedAt = Date.now();
      await this.reload(true);
      jwk = pickKey(this.cache, header);
    }
    if (!jwk) throw noKey(header);
    return this.cache.import(jwk, header.alg!);
  };

  /** Drops the keys and every timestamp: the next request starts cold. */
  forget(): void {
    this.cache.replace([]);
    this.loadedAt = 0;
    this.fetchedAt = -Infinity;
    this.unknownKidFetchedAt = -Infinity;
    this.failedAt = -Infinity;
  }

  /** Fetches the key set now; concurrent callers share one request. */
  private reload(mustSucceed: boolean): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return mustSucceed ? this.inflight : this.inflight.catch(() => undefined);
  }

  private async fetchKeys(): Promise<void> {
    this.fetchedAt = Date.now();
    this.fetchCount += 1;
    try {
      const keys = await this.download();
      this.cache.replace(keys);
      this.loadedAt = Date.now();
    } catch (error) {
      this.failedAt = Date.now();
      throw this.unavailable(error);
    }
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

  private unavailable(cause?: unknown): LogtoAuthError {
    const reason = cause instanceof Error ? `: ${cause.name === 'TimeoutError' ? 'timed out' : cause.message}` : '';
    return new LogtoAuthError('jwks_unavailable', `The signing keys of the Logto issuer could not be loaded${reason}.`, {
      retryAfter: Math.max(1, Math.ceil(failureBackoffMs / 1000)),
      cause,
    });
  }
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
const keySetsByFetch = new WeakMap<typeof fetch, Map<string, RemoteKeySet>>();

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
 * Forgets every shared remote key set, so the next request fetches the keys again (after an
 * incident, or between tests). Verifiers made before start cold too; verifiers made after get a
 * key set with their own settings.
 */
export function clearJwksCache(): void {
  for (const keySet of sharedKeySets.values()) keySet.forget();
  sharedKeySets.clear();
}
