import { decodeProtectedHeader, errors, jwtVerify, type JWSHeaderParameters } from 'jose';
import { assertScopes } from './assert-scopes.js';
import { toLogtoAuth, type LogtoAuth, type LogtoClaims } from './auth.js';
import { LogtoAuthError, type LogtoAuthErrorReason } from './errors.js';
import { localKeyResolver, remoteKeySet, withoutCredentials, type KeyResolver } from './jwks.js';
import {
  resolveVerifierOptions,
  snapshotOptions,
  type LogtoVerifierOptions,
  type OptionsSnapshot,
  type ResolvedLogtoOptions,
  type ResolvedVerifierOptions,
} from './options.js';
import { VerifiedTokenCache } from './token-cache.js';

/** Tokens above this size are refused before any parsing (Logto's are about 1 KB). */
export const maxTokenBytes = 16 * 1024;

export type { LogtoVerifierOptions } from './options.js';

/** A reusable verifier: options are checked once and the key set is shared. */
export interface LogtoVerifier {
  /**
   * @throws {LogtoAuthError} 401 `invalid_token` (see `reason`), 403 `insufficient_scope`, 503 `jwks_unavailable`.
   */
  (token: string): Promise<LogtoAuth>;
}

/** A verifier with its cache exposed: `cached` answers a token that verified before, synchronously. */
export interface CachingVerifier {
  verify: LogtoVerifier;
  /**
   * The `LogtoAuth` of a token that verified before and has not expired, after the checks every
   * use needs (scopes, organization; they throw); `undefined` when the token must be verified.
   */
  cached(token: string): LogtoAuth | undefined;
}

/**
 * Checks options once and returns a function that verifies Logto access tokens with them. The
 * options are read now: later changes to the object are not seen (make a new verifier).
 *
 * @throws {LogtoSupabaseConfigError} when an option is missing or invalid (`option` names it).
 * @example
 * const verify = createLogtoVerifier({ endpoint: 'https://tenant.logto.app', audience: 'https://api.example.com' });
 * const { userId, scopes } = await verify(extractBearerToken(request));
 */
export function createLogtoVerifier(options: LogtoVerifierOptions): LogtoVerifier {
  return verifierFor(resolveVerifierOptions(options)).verify;
}

/** The verifier of options already resolved (the bridge resolves its `logto.` options itself). */
export function verifierFor(resolved: ResolvedVerifierOptions): CachingVerifier {
  const resolveKey = keyResolverFor(resolved);
  logConfiguration(resolved);
  const cache = resolved.cacheEntries === 0 ? undefined : new VerifiedTokenCache(resolved.cacheEntries);

  const cached = (token: string) => {
    const auth = cache?.get(token, resolved.clockTolerance);
    if (auth) checkAuthorization(auth, resolved);
    return auth;
  };
  const verify: LogtoVerifier = async (token) => {
    const known = cached(token);
    if (known) return known;
    let auth = await verifySignedToken(token, resolved, resolveKey);
    if (cache) auth = cache.set(token, auth);
    checkAuthorization(auth, resolved);
    return auth;
  };
  return { verify, cached };
}

const verifiers = new WeakMap<LogtoVerifierOptions, { verify: LogtoVerifier; seen: OptionsSnapshot }>();

/**
 * Verifies a Logto access token: a JWT of `typ` `at+jwt` signed by the tenant's keys, for your
 * API resource, not expired, with the required scopes and organization.
 *
 * The options are checked on the first call with an options object and reused after; a change to
 * that object (even in place, such as a scope pushed onto `requiredScopes`) is seen on the next
 * call, which checks the options again. `createLogtoVerifier` skips even that comparison.
 *
 * @param token The raw access token, e.g. from `extractBearerToken(request)`.
 * @throws {LogtoAuthError} 401 `invalid_token` (see `reason`), 403 `insufficient_scope`, 503 `jwks_unavailable`.
 * @throws {LogtoSupabaseConfigError} when an option is missing or invalid (`option` names it).
 * @example
 * const verified = await verifyLogtoToken(token, {
 *   endpoint: 'https://tenant.logto.app',
 *   audience: 'https://api.example.com',
 *   requiredScopes: ['read:posts'],
 * });
 * verified.userId; // "a1ic3x9k2m4p", or null for a machine-to-machine token
 */
export async function verifyLogtoToken(token: string, options: LogtoVerifierOptions): Promise<LogtoAuth> {
  let known = verifiers.get(options);
  if (!known || !known.seen.matches(options)) {
    known = { verify: createLogtoVerifier(options), seen: snapshotOptions(options) };
    verifiers.set(options, known);
  }
  return known.verify(token);
}

function logConfiguration({ log, issuers, audiences, jwks, jwksUri, jwksCache }: ResolvedLogtoOptions): void {
  const keys = jwks ? `the static jwks (${jwks.keys.length} keys)` : `${withoutCredentials(jwksUri)}${jwksCache ? ' through jwksCache' : ''}`;
  log('info', `verifying tokens of issuer ${issuers.join(', ')} for audience ${audiences.join(', ')}, keys from ${keys}`);
}

function keyResolverFor(options: ResolvedLogtoOptions): KeyResolver {
  if (options.jwks) return localKeyResolver(options.jwks);
  const settings = {
    timeoutMs: options.jwksTimeoutMs,
    cooldownMs: options.jwksCooldownMs,
    maxAgeMs: options.jwksMaxAgeMs,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
  const keySet = remoteKeySet(options.jwksUri, settings, options.fetch);
  const context = { log: options.log, store: options.jwksCache };
  return (header) => keySet.resolve(header, context);
}

async function verifySignedToken(token: unknown, options: ResolvedLogtoOptions, resolveKey: KeyResolver): Promise<LogtoAuth> {
  if (typeof token !== 'string' || token === '') throw invalid('malformed', 'The access token is empty.');
  if (token.length > maxTokenBytes) throw invalid('too_large', `The access token is larger than ${maxTokenBytes / 1024} KiB.`);
  const header = readHeader(token);
  if (typeof header.alg !== 'string' || !options.algorithms.includes(header.alg)) {
    const named = typeof header.alg === 'string' && /^[A-Za-z0-9+-]{1,16}$/.test(header.alg) ? ` "${header.alg}"` : '';
    throw invalid('algorithm', `The token's signing algorithm${named} is not allowed.`);
  }
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'at+jwt') {
    throw invalid('typ', 'The token is not an access token (its "typ" is not "at+jwt"); an ID token cannot be used here.');
  }
  let claims: LogtoClaims;
  try {
    const verified = await jwtVerify<LogtoClaims>(token, resolveKey, {
      algorithms: options.algorithms,
      issuer: options.issuers,
      audience: options.audiences,
      clockTolerance: options.clockTolerance,
      requiredClaims: ['exp'],
    });
    claims = verified.payload;
  } catch (error) {
    throw error instanceof LogtoAuthError ? error : fromJoseError(error);
  }
  checkClaims(claims, options.clockTolerance);
  return toLogtoAuth(token, claims);
}

function readHeader(token: string): JWSHeaderParameters {
  // Decoders skip stray characters, so a token that differs from the signed one would still verify.
  if (!base64urlAndDots.test(token)) throw invalid('malformed', 'The access token contains characters outside base64url.');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') {
    throw invalid(
      'malformed',
      parts.length === 1
        ? 'The access token is not a JWT. Request it for an API resource (a "resource" indicator): without one, Logto issues an opaque token that only /oidc/me accepts.'
        : 'The access token is not a compact JWS (three dot-separated parts).',
    );
  }
  if (!parts.every(isCanonicalBase64url)) throw invalid('malformed', 'The access token is not canonical base64url.');
  try {
    return decodeProtectedHeader(token);
  } catch (error) {
    throw invalid('malformed', 'The access token header is not valid base64url-encoded JSON.', error);
  }
}

const base64urlAndDots = /^[A-Za-z0-9_.-]+$/;
const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * One spelling per byte string: a segment's length is not 1 mod 4, and the bits its last
 * character carries beyond the bytes are zero. Decoders ignore those bits, so without this one
 * signature would verify in up to 16 spellings.
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const unusedBits = rest === 2 ? 0b1111 : 0b11;
  return (base64urlAlphabet.indexOf(segment[segment.length - 1]!) & unusedBits) === 0;
}

const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

function checkClaims(claims: LogtoClaims, tolerance: number): void {
  if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + tolerance) {
    throw invalid('not_yet_valid', 'The token was issued in the future ("iat").');
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalid('claims', 'The token has no subject ("sub").');
  if (typeof claims.client_id !== 'string' || claims.client_id === '') throw invalid('claims', 'The token has no "client_id".');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw invalid('claims', 'The token\'s "scope" is not a string.');
  if (claims.organization_id !== undefined && typeof claims.organization_id !== 'string') {
    throw invalid('claims', 'The token\'s "organization_id" is not a string.');
  }
}

/** What a verified token must still satisfy on every use, cached or not. */
function checkAuthorization(auth: LogtoAuth, options: ResolvedLogtoOptions): void {
  if (options.organizationId !== undefined && auth.organizationId !== options.organizationId) {
    throw invalid('organization', 'The token is not for this organization.');
  }
  assertScopes(auth, ...options.requiredScopes);
}

/** jose's claim (and whether it was missing or wrong) → our reason and message. */
const claimFailures: Record<string, { reason: LogtoAuthErrorReason; message: string }> = {
  iss: { reason: 'issuer', message: 'The token was issued by another issuer.' },
  aud: { reason: 'audience', message: 'The token is for another audience (API resource).' },
  nbf: { reason: 'not_yet_valid', message: 'The token is not valid yet ("nbf").' },
  iat: { reason: 'claims', message: 'The token\'s "iat" is not valid.' },
  exp: { reason: 'claims', message: 'The token has no valid expiry ("exp").' },
};

function fromJoseError(error: unknown): LogtoAuthError {
  if (error instanceof errors.JWTExpired) return invalid('expired', 'The access token expired.', error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    // An "nbf" that is not a number is a malformed claim, not a token that is early.
    const known = error.claim === 'nbf' && error.reason !== 'check_failed' ? undefined : claimFailures[error.claim];
    return invalid(known?.reason ?? 'claims', known?.message ?? `The token's "${error.claim}" claim is not valid.`, error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature', 'The token signature is not valid.', error);
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm', 'The token\'s signing algorithm is not allowed.', error);
  if (error instanceof errors.JOSENotSupported) return invalid('malformed', 'The token uses an unsupported JWS feature.', error);
  if (error instanceof errors.JOSEError) return invalid('malformed', 'The access token is malformed.', error);
  // A key import or crypto failure on a token that named a usable key: not the client's fault, but not verifiable.
  return invalid('signature', 'The access token could not be verified.', error);
}

const invalid = (reason: LogtoAuthErrorReason, message: string, cause?: unknown) =>
  new LogtoAuthError('invalid_token', message, { reason, cause: cause instanceof errors.JOSEError ? withoutClaims(cause) : cause });

/**
 * jose's claim errors carry the whole payload (an email, a name), in `payload` and again in
 * `cause`: a logged error must not. The copy keeps what tells the failure apart: name, message,
 * `code`, and for claims `claim` and `reason`.
 */
function withoutClaims(error: InstanceType<typeof errors.JOSEError>): Error {
  const { claim, reason } = error as Partial<InstanceType<typeof errors.JWTClaimValidationFailed>>;
  const copy = Object.assign(new Error(error.message), { code: error.code }, claim === undefined ? {} : { claim, reason });
  copy.name = error.name;
  copy.stack = error.stack;
  return copy;
}
