import type { SupabaseClientOptions } from '@supabase/supabase-js';
import { importJWK, type JWK } from 'jose';
import type { LogtoAuth } from '../core/auth.js';
import { configError } from '../core/errors.js';
import { supabaseKeyKind } from './keys.js';
import { defaultUuidNamespace, isUuid } from './logto-user-uuid.js';

/** Extra claims for minted JWTs: fixed, or computed from the verified Logto token. */
export type CustomClaims = Record<string, unknown> | ((auth: LogtoAuth | null) => Record<string, unknown>);

/** How the library reaches Supabase. */
export interface SupabaseOptions {
  /** The Supabase project URL, e.g. `https://<project-ref>.supabase.co`. */
  url: string;
  /** `'mint'` (default): sign Supabase JWTs; `'third-party'`: Supabase trusts Logto, forward its token. */
  mode?: 'mint' | 'third-party';
  /** The anon or `sb_publishable_…` key, sent as `apikey`. */
  anonKey: string;
  /** The legacy HS256 JWT secret (at least 32 characters). */
  jwtSecret?: string;
  /** A private JWK (ES256 or RS256, with `kid`) imported into Supabase's JWT signing keys. */
  signingKey?: JWK | string;
  /** The `service_role` or `sb_secret_…` key, only for service-role clients. */
  serviceRoleKey?: string;
  jwt?: {
    /** Lifetime of minted JWTs in seconds (default 3600), never beyond the Logto token's `exp`. */
    expiresIn?: number;
    claims?: CustomClaims;
    /**
     * The `sub` of minted JWTs: `'logto'` (default) the Logto id as is; `'uuid'` its UUIDv5
     * (`logtoUserUuid`), for `auth.uid()`, Supabase's policy templates and Storage's `owner`.
     * Both modes carry the Logto id in `logto_sub`, which `logto.user_id()` reads.
     */
    subject?: 'logto' | 'uuid';
    /** The namespace UUID of `subject: 'uuid'` (default `226b2950-017c-54f8-9f1f-e2dbec0b3dae`). */
    uuidNamespace?: string;
  };
  /**
   * Passed to supabase-js `createClient`, under the library's own auth settings. On Node 20 give
   * Realtime a WebSocket: `clientOptions: { realtime: { transport: WebSocket } }` with the `ws` package.
   */
  clientOptions?: ClientOptions;
}

/**
 * supabase-js's client options, with a `realtime.transport` that also accepts the `ws` package's
 * `WebSocket` (its constructor types its arguments more widely than supabase-js declares).
 */
export type ClientOptions = Omit<SupabaseClientOptions<any>, 'realtime'> & {
  realtime?: Omit<NonNullable<SupabaseClientOptions<any>['realtime']>, 'transport'> & {
    /** A WebSocket class: `globalThis.WebSocket` (Node 22+, browsers, Workers) or `ws`'s on Node 20. */
    transport?: NonNullable<NonNullable<SupabaseClientOptions<any>['realtime']>['transport']> | (new (address: string, protocols?: string | string[]) => unknown);
  };
};

export type SigningKey =
  | { alg: 'HS256'; kid: undefined; key: Promise<CryptoKey> }
  | { alg: 'ES256' | 'RS256'; kid: string; key: Promise<CryptoKey> };

/** Supabase options, checked, with defaults applied and the signing key imported once. */
export interface ResolvedSupabaseOptions {
  url: string;
  mode: 'mint' | 'third-party';
  anonKey: string;
  serviceRoleKey: string | undefined;
  signing: SigningKey | undefined;
  expiresIn: number;
  claims: CustomClaims | undefined;
  /** The namespace when minted JWTs carry a UUID `sub`; undefined when they carry the Logto id. */
  uuidNamespace: string | undefined;
  clientOptions: SupabaseClientOptions<any>;
}

function parseSigningKey(option: string, value: JWK | string): SigningKey {
  let jwk: JWK;
  if (typeof value === 'string') {
    try {
      jwk = JSON.parse(value) as JWK;
    } catch {
      throw configError(option, 'is not valid JSON: give the private JWK (e.g. from `supabase gen signing-key --algorithm ES256`).');
    }
  } else {
    jwk = value;
  }
  if (typeof jwk !== 'object' || jwk === null) throw configError(option, 'must be a private JWK object.');
  const alg = jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'RSA' ? 'RS256' : undefined;
  if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) {
    throw configError(option, 'must be an ES256 (EC P-256) or RS256 (RSA) key: the algorithms Supabase signing keys support.');
  }
  if (typeof jwk.d !== 'string') throw configError(option, 'must be the private key (with "d"), not its public part.');
  if (typeof jwk.kid !== 'string' || jwk.kid === '') {
    throw configError(option, 'needs a "kid": Supabase only tries the key whose id the token names.');
  }
  const { key_ops: _ops, use: _use, ext: _ext, ...material } = jwk;
  const key = (importJWK({ ...material, alg }, alg) as Promise<CryptoKey>).catch(() => {
    throw configError(option, `could not be imported as an ${alg} private key: check that it is the whole JWK.`);
  });
  // Surfaced when the first JWT is signed; avoid an unhandled rejection before that.
  key.catch(() => undefined);
  return { alg, kid: jwk.kid, key };
}

function importSecret(secret: string): Promise<CryptoKey> {
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  key.catch(() => undefined);
  return key;
}

export function checkSupabaseUrl(url: unknown, option: string): string {
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/.test(url)) {
    throw configError(option, 'is required: your Supabase project URL, e.g. https://<project-ref>.supabase.co.');
  }
  return url;
}

const resolved = new WeakMap<SupabaseOptions, ResolvedSupabaseOptions>();

/**
 * Checks Supabase options once per options object, with messages that name the option and the fix
 * (`supabase.jwtSecret`, as the bridge's options and the other Supabase errors call it).
 */
export function resolveSupabaseOptions(options: SupabaseOptions, prefix = 'supabase.'): ResolvedSupabaseOptions {
  const known = typeof options === 'object' && options !== null ? resolved.get(options) : undefined;
  if (known) return known;
  const result = checkSupabaseOptions(options, prefix);
  resolved.set(options, result);
  return result;
}

function checkSupabaseOptions(options: SupabaseOptions, prefix: string): ResolvedSupabaseOptions {
  const name = (option: string) => `${prefix}${option}`;
  if (typeof options !== 'object' || options === null) {
    throw configError(prefix.replace(/\.$/, '') || 'supabase', 'Supabase options are required: { url, anonKey, jwtSecret | signingKey }.');
  }
  const url = checkSupabaseUrl(options.url, name('url'));
  const mode = options.mode ?? 'mint';
  if (mode !== 'mint' && mode !== 'third-party') throw configError(name('mode'), 'must be "mint" or "third-party".');
  if (typeof options.anonKey !== 'string' || options.anonKey === '') {
    throw configError(name('anonKey'), 'is required: the anon or publishable (sb_publishable_…) key from Project Settings → API Keys.');
  }
  checkKeyText(options.anonKey, name('anonKey'));
  const anonKind = supabaseKeyKind(options.anonKey);
  if (anonKind === 'secret' || anonKind === 'service_role') {
    throw configError(name('anonKey'), 'holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.');
  }
  if (anonKind === 'user-jwt') {
    throw configError(name('anonKey'), 'holds a user JWT, not an API key: use the anon or publishable key (the minted JWT goes in Authorization, never in apikey).');
  }
  const { jwtSecret, signingKey } = options;
  let signing: SigningKey | undefined;
  if (mode === 'third-party') {
    if (jwtSecret !== undefined || signingKey !== undefined) {
      throw configError(name(jwtSecret !== undefined ? 'jwtSecret' : 'signingKey'), 'is not used in third-party mode (Supabase trusts Logto\'s own tokens): remove it.');
    }
  } else {
    if (jwtSecret !== undefined && signingKey !== undefined) {
      throw configError(name('jwtSecret'), 'and signingKey are both set: give exactly one of them.');
    }
    if (jwtSecret === undefined && signingKey === undefined) {
      throw configError(name('jwtSecret'), 'or signingKey is required to mint Supabase JWTs (or set mode: "third-party").');
    }
    if (jwtSecret !== undefined) {
      if (typeof jwtSecret !== 'string' || jwtSecret.length < 32) {
        throw configError(name('jwtSecret'), 'must be the project\'s JWT secret, at least 32 characters (Project Settings → JWT Keys → Legacy JWT secret).');
      }
      checkKeyText(jwtSecret, name('jwtSecret'));
      signing = { alg: 'HS256', kid: undefined, key: importSecret(jwtSecret) };
    } else {
      signing = parseSigningKey(name('signingKey'), signingKey!);
    }
  }
  if (options.serviceRoleKey !== undefined && (typeof options.serviceRoleKey !== 'string' || options.serviceRoleKey === '')) {
    throw configError(name('serviceRoleKey'), 'must be the service_role or sb_secret_… key.');
  }
  if (options.serviceRoleKey !== undefined) checkKeyText(options.serviceRoleKey, name('serviceRoleKey'));
  checkClientHeaders(options.clientOptions, name('clientOptions.global.headers'));
  const expiresIn = options.jwt?.expiresIn ?? 3600;
  if (!Number.isInteger(expiresIn) || expiresIn < 30 || expiresIn > 86_400) {
    throw configError(name('jwt.expiresIn'), 'must be a whole number of seconds from 30 to 86400.');
  }
  const claims = options.jwt?.claims;
  if (claims !== undefined && typeof claims !== 'function' && (typeof claims !== 'object' || claims === null)) {
    throw configError(name('jwt.claims'), 'must be an object of claims or a function (auth) => claims.');
  }
  if (typeof claims === 'object' && claims !== null) refuseServiceRole(claims, name('jwt.claims'));
  const uuidNamespace = checkSubject(options.jwt, mode, name);
  return {
    url,
    mode,
    anonKey: options.anonKey,
    serviceRoleKey: options.serviceRoleKey,
    signing,
    expiresIn,
    claims,
    uuidNamespace,
    clientOptions: (options.clientOptions ?? {}) as SupabaseClientOptions<any>,
  };
}

/**
 * Keys are used exactly as given: a stray space or newline would slip a secret key past the
 * anon-key check (`' sb_secret_…'` is no known kind) or make a secret that signs wrong JWTs.
 */
export function checkKeyText(key: string, option: string): void {
  if (/^\s|\s$|[\x00-\x1f\x7f]/.test(key)) {
    throw configError(option, 'has whitespace around it or control characters in it: give the key exactly as the Supabase dashboard shows it.');
  }
}

/** Headers that would replace what the library sends: the user's JWT and the anon key. */
const reservedHeaders = new Set(['authorization', 'apikey']);

/**
 * `clientOptions.global.headers` are sent on every request, over the library's own: an
 * `Authorization` or `apikey` there would make every "user" request run with that credential
 * (the old guide's pattern, often the service-role key), so Row-Level Security would not apply.
 */
function checkClientHeaders(clientOptions: ClientOptions | undefined, option: string): void {
  const headers: unknown = clientOptions?.global?.headers;
  if (typeof headers !== 'object' || headers === null) return;
  const names =
    headers instanceof Headers ? [...headers.keys()] : Array.isArray(headers) ? headers.map((entry) => String(entry?.[0])) : Object.keys(headers);
  const reserved = names.find((header) => reservedHeaders.has(header.toLowerCase()));
  if (reserved !== undefined) {
    throw configError(
      option,
      `may not set "${reserved}": the library sends the user's JWT as Authorization and the anon key as apikey, and a header here would replace them on every request (a user's request would run with that credential, outside Row-Level Security). Remove it; use createServiceRoleClient for trusted work.`,
    );
  }
}

/** The namespace of UUID subjects, or undefined when minted JWTs carry the Logto id. */
function checkSubject(jwt: SupabaseOptions['jwt'], mode: 'mint' | 'third-party', name: (option: string) => string): string | undefined {
  const subject = jwt?.subject ?? 'logto';
  if (subject !== 'logto' && subject !== 'uuid') throw configError(name('jwt.subject'), 'must be "logto" (the Logto id as is) or "uuid" (its UUIDv5).');
  const namespace = jwt?.uuidNamespace;
  if (namespace !== undefined && !isUuid(namespace)) {
    throw configError(name('jwt.uuidNamespace'), 'must be a UUID (8-4-4-4-12 hexadecimal digits), the same one your SQL passes to logto.uuid_of.');
  }
  if (mode === 'third-party' && subject === 'uuid') {
    throw configError(name('jwt.subject'), 'is "uuid", but in third-party mode Supabase sees Logto\'s own tokens, whose sub is the Logto id: remove it, or mint JWTs.');
  }
  return subject === 'uuid' ? (namespace ?? defaultUuidNamespace).toLowerCase() : undefined;
}

export function refuseServiceRole(claims: Record<string, unknown>, option: string): void {
  if (claims.role === 'service_role') {
    throw configError(option, 'may not set role "service_role": minted JWTs are for RLS-bound users; use createServiceRoleClient for trusted work.');
  }
}
