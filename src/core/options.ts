import { configError } from './errors.js';
import { checkKeySet, type JsonWebKeySet, type JwksCache } from './jwks.js';
import { resolveLogger, type Log, type LogtoSupabaseLogger } from './log.js';
import { defaultCacheEntries } from './token-cache.js';

/** Options of `verifyLogtoToken` and of the `logto` part of `createLogtoSupabase`. */
export interface LogtoOptions {
  /**
   * The Logto endpoint, e.g. `https://<tenant>.logto.app` or `http://localhost:3001`. May be left
   * out when `issuer` and `jwksUri` (or `jwks`) are given: behind a proxy, on a custom domain.
   */
  endpoint?: string;
  /** Accepted issuer(s); default `${endpoint}/oidc`. A custom domain issues a second one. */
  issuer?: string | string[];
  /** JWKS URI; default `${endpoint}/oidc/jwks`. */
  jwksUri?: string;
  /** A static key set: no network. */
  jwks?: JsonWebKeySet;
  /** The API resource indicator(s) the token must be for. */
  audience: string | string[];
  /** Every scope listed must be in the token's `scope`. */
  requiredScopes?: string[];
  /** The token must be for this Logto organization. */
  organizationId?: string;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (default 5). */
  clockTolerance?: number;
  /** Allowed JWS algorithms (asymmetric only). */
  algorithms?: string[];
  /** Abort a JWKS request after this many milliseconds (default 5000). */
  jwksTimeoutMs?: number;
  /** An unknown `kid` re-fetches the JWKS at most once per this many milliseconds (default 30000). */
  jwksCooldownMs?: number;
  /** Re-fetch the JWKS when it is older than this; known keys stay usable if that fails (default 600000). */
  jwksMaxAgeMs?: number;
  /** The `fetch` used for the JWKS (default: the global one, looked up on each request). */
  fetch?: typeof fetch;
  /**
   * A store the instances of a fleet share (Workers KV, Redis, a file): read before the first
   * JWKS request, written after every successful one. Whoever can write it can add signing keys.
   */
  jwksCache?: JwksCache;
  /** Where to report JWKS failures, key rotations and the configuration (`console`, pino, winston). */
  logger?: LogtoSupabaseLogger;
}

/** Options of `createLogtoVerifier`, `verifyLogtoToken` and the bridge's `logto` part. */
export interface LogtoVerifierOptions extends LogtoOptions {
  /**
   * Keep verified tokens until they expire so a repeated token costs no signature check
   * (`false` to turn off; default 10,000 entries). A key Logto stops publishing is honoured for
   * tokens already cached.
   */
  cache?: false | { maxEntries?: number };
}

export const defaultAlgorithms = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const supportedAlgorithms = new Set([...defaultAlgorithms, 'EdDSA', 'Ed25519']);

/** Logto options, checked and with every default applied. */
export interface ResolvedLogtoOptions {
  issuers: string[];
  jwksUri: string;
  jwks: JsonWebKeySet | undefined;
  audiences: string[];
  requiredScopes: string[];
  organizationId: string | undefined;
  clockTolerance: number;
  algorithms: string[];
  jwksTimeoutMs: number;
  jwksCooldownMs: number;
  jwksMaxAgeMs: number;
  fetch: typeof fetch | undefined;
  jwksCache: JwksCache | undefined;
  log: Log;
}

/** Verifier options, checked: the Logto ones, and the size of the verified-token cache (0: none). */
export interface ResolvedVerifierOptions extends ResolvedLogtoOptions {
  cacheEntries: number;
}

/** Checks a verifier's options once, at start-up: the Logto options and `cache`. */
export function resolveVerifierOptions(options: LogtoVerifierOptions, prefix = ''): ResolvedVerifierOptions {
  return { ...resolveLogtoOptions(options, prefix), cacheEntries: resolveCacheEntries(options.cache, `${prefix}cache`) };
}

function resolveCacheEntries(cache: LogtoVerifierOptions['cache'], option: string): number {
  if (cache === false) return 0;
  if (cache !== undefined && (typeof cache !== 'object' || cache === null)) {
    throw configError(option, 'must be false or { maxEntries }.');
  }
  const maxEntries = cache?.maxEntries ?? defaultCacheEntries;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw configError(`${option}.maxEntries`, 'must be a whole number of 1 or more (or set cache: false).');
  }
  return maxEntries;
}

function parseUrl(option: string, value: unknown, example: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError(option, `is required: the URL of your Logto tenant, e.g. ${example}.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(option, `is not a valid URL; expected something like ${example}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(option, 'must be an http(s) URL.');
  return url;
}

function stringList(option: string, value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item.trim() === '')) {
    throw configError(option, `must be ${what}: a non-empty string or a non-empty array of them.`);
  }
  return [...list] as string[];
}

export function positive(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(option, 'must be a number of zero or more.');
  }
  return value;
}

/** Checks Logto options once, at start-up, with messages that name the option and the fix. */
export function resolveLogtoOptions(options: LogtoOptions, prefix = ''): ResolvedLogtoOptions {
  const name = (option: string) => `${prefix}${option}`;
  if (typeof options !== 'object' || options === null) {
    throw configError(prefix.replace(/\.$/, '') || 'options', 'Logto options are required: { endpoint, audience }.');
  }
  const base = endpointBase(options, name);
  const issuers = options.issuer === undefined ? [`${base}/oidc`] : stringList(name('issuer'), options.issuer, 'the token issuer(s)');
  const jwksUri = options.jwksUri === undefined ? (base === undefined ? '' : `${base}/oidc/jwks`) : parseUrl(name('jwksUri'), options.jwksUri, `${base ?? 'https://<tenant-id>.logto.app'}/oidc/jwks`).href;
  if (options.audience === undefined) {
    throw configError(
      name('audience'),
      'is required: the API resource indicator your tokens are issued for (Logto Console → API resources), e.g. "https://api.example.com".',
    );
  }
  const audiences = stringList(name('audience'), options.audience, 'the API resource indicator(s)');
  const requiredScopes = options.requiredScopes === undefined ? [] : scopeList(name('requiredScopes'), options.requiredScopes);
  if (options.organizationId !== undefined && (typeof options.organizationId !== 'string' || options.organizationId === '')) {
    throw configError(name('organizationId'), 'must be a non-empty Logto organization id.');
  }
  const algorithms = options.algorithms === undefined ? defaultAlgorithms : stringList(name('algorithms'), options.algorithms, 'JWS algorithm names');
  const refused = algorithms.filter((alg) => !supportedAlgorithms.has(alg));
  if (refused.length > 0) {
    throw configError(
      name('algorithms'),
      `${refused.map((alg) => JSON.stringify(alg)).join(', ')} cannot be allowed: only asymmetric algorithms (${defaultAlgorithms.join(', ')}) verify Logto tokens; "none" and HS* never.`,
    );
  }
  if (options.jwks !== undefined) {
    const problem = checkKeySet(options.jwks);
    if (problem) throw configError(name('jwks'), `must be a JSON Web Key Set of public keys, but ${problem}.`);
    if (options.jwks.keys.some((key) => 'd' in key || key.kty === 'oct')) {
      throw configError(name('jwks'), 'must hold public keys only: remove private ("d") and symmetric ("oct") keys.');
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw configError(name('fetch'), 'must be a fetch function.');
  if (options.jwksCache !== undefined && (typeof options.jwksCache?.get !== 'function' || typeof options.jwksCache.set !== 'function')) {
    throw configError(name('jwksCache'), 'must be a store with get(uri) and set(uri, jwks) methods (sync or async).');
  }
  return {
    issuers,
    jwksUri,
    // Copied: the options are read once, and a later change to the caller's object is not seen.
    jwks: options.jwks && { keys: [...options.jwks.keys] },
    audiences,
    requiredScopes,
    organizationId: options.organizationId,
    clockTolerance: positive(name('clockTolerance'), options.clockTolerance, 5),
    algorithms,
    jwksTimeoutMs: positive(name('jwksTimeoutMs'), options.jwksTimeoutMs, 5000),
    jwksCooldownMs: positive(name('jwksCooldownMs'), options.jwksCooldownMs, 30_000),
    jwksMaxAgeMs: positive(name('jwksMaxAgeMs'), options.jwksMaxAgeMs, 600_000),
    fetch: options.fetch,
    jwksCache: options.jwksCache,
    log: resolveLogger(name('logger'), options.logger),
  };
}

/** The endpoint without trailing slashes; undefined when `issuer` and `jwksUri` (or `jwks`) replace it. */
function endpointBase(options: LogtoOptions, name: (option: string) => string): string | undefined {
  if (options.endpoint === undefined && options.issuer !== undefined && (options.jwksUri !== undefined || options.jwks !== undefined)) return undefined;
  if (options.endpoint === undefined) {
    throw configError(
      name('endpoint'),
      'is required: the URL of your Logto tenant, e.g. https://<tenant-id>.logto.app. Or give `issuer` and `jwksUri` (or `jwks`) instead, e.g. behind a proxy or on a custom domain.',
    );
  }
  const endpoint = parseUrl(name('endpoint'), options.endpoint, 'https://<tenant-id>.logto.app');
  if (endpoint.pathname.replace(/\/+$/, '').endsWith('/oidc')) {
    throw configError(name('endpoint'), 'is the Logto endpoint without "/oidc" (the issuer is derived as `${endpoint}/oidc`).');
  }
  return endpoint.href.replace(/\/+$/, '');
}

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Scopes as RFC 6749 §3.3 defines them: no spaces, quotes or backslashes. */
export function scopeList(option: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((scope) => typeof scope !== 'string' || !scopeToken.test(scope))) {
    throw configError(option, 'must be an array of scope names (no spaces), e.g. ["read:posts"].');
  }
  return [...value] as string[];
}

/** Every option a verifier reads: TypeScript fails here when an option is added and not listed. */
const verifierOptionNames = Object.keys({
  endpoint: true,
  issuer: true,
  jwksUri: true,
  jwks: true,
  audience: true,
  requiredScopes: true,
  organizationId: true,
  clockTolerance: true,
  algorithms: true,
  jwksTimeoutMs: true,
  jwksCooldownMs: true,
  jwksMaxAgeMs: true,
  fetch: true,
  jwksCache: true,
  logger: true,
  cache: true,
} satisfies Record<keyof LogtoVerifierOptions, true>) as (keyof LogtoVerifierOptions)[];

/**
 * Option values are compared this deep: `requiredScopes[i]`, `cache.maxEntries`, `jwks.keys[i]`.
 * Deeper values (a key's own fields) compare by identity: a key is replaced, not edited.
 */
const snapshotDepth = 3;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** A value as plain data: arrays and plain objects copied, anything else (functions) kept. */
function copyOf(value: unknown, depth: number): unknown {
  if (depth === snapshotDepth) return value;
  if (Array.isArray(value)) return value.map((item) => copyOf(item, depth + 1));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyOf(item, depth + 1)]));
  return value;
}

function sameAs(copy: unknown, value: unknown, depth: number): boolean {
  if (depth === snapshotDepth || typeof copy !== 'object' || copy === null) return Object.is(copy, value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(copy)) {
    if (!Array.isArray(value) || value.length !== copy.length) return false;
    for (let index = 0; index < copy.length; index += 1) if (!sameAs(copy[index], value[index], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(copy)) return Object.is(copy, value);
  let count = 0;
  for (const key in value) if (Object.hasOwn(value, key)) count += 1;
  const keys = Object.keys(copy);
  if (count !== keys.length || !isPlainObject(value)) return false;
  for (const key of keys) if (!sameAs(copy[key], value[key], depth + 1)) return false;
  return true;
}

/** What a verifier was made from, to tell whether the same options object has changed since. */
export interface OptionsSnapshot {
  matches(options: LogtoVerifierOptions): boolean;
}

/**
 * Copies the options a verifier reads (through getters too), so that a later change to the same
 * object, even in place (`options.requiredScopes.push('admin')`), is seen by `matches`.
 */
export function snapshotOptions(options: LogtoVerifierOptions): OptionsSnapshot {
  const values = verifierOptionNames.map((name) => copyOf(options[name], 1));
  return {
    matches(current) {
      for (let index = 0; index < verifierOptionNames.length; index += 1) {
        if (!sameAs(values[index], current[verifierOptionNames[index]!], 1)) return false;
      }
      return true;
    },
  };
}
