import { SignJWT } from 'jose';
import { assertNotExpired, type LogtoAuth } from '../core/auth.js';
import { configError } from '../core/errors.js';
import { logtoUserUuid } from './logto-user-uuid.js';
import { refuseServiceRole, resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from './options.js';

/** A Logto subject (`sub`, a user id) or a verified Logto token (`LogtoAuth`), for minting. */
export type SubjectOrAuth = string | LogtoAuth;

/** Claims the library sets and custom claims never override: they are what RLS policies trust. */
const reservedClaims = new Set(['sub', 'role', 'aud', 'exp', 'iat', 'nbf', 'userId', 'logto_sub', 'client_id', 'scope', 'organization_id', 'is_machine']);

/**
 * Mints the JWT Supabase (PostgREST) accepts for Row-Level Security: `role` and `aud`
 * `authenticated`, `sub` (the Logto `sub`, or its UUIDv5 with `jwt.subject: 'uuid'`), `logto_sub`
 * (the Logto `sub`), `client_id`, `scope`, `organization_id`, `is_machine`, and `userId` (for
 * policies written after the old Logto guide). It never outlives the Logto token.
 *
 * @param subjectOrAuth A Logto user id, or the `LogtoAuth` of a verified token (adds its client,
 * scopes and organization, and caps `exp` at its `exp`).
 * @throws {LogtoAuthError} `invalid_token` (reason `expired`) for a `LogtoAuth` already past its `exp`.
 * @throws {LogtoSupabaseConfigError} for invalid Supabase options, third-party mode (nothing is
 * minted), or a `subjectOrAuth` that is neither a non-empty user id nor a `LogtoAuth`.
 * @example
 * const jwt = await signSupabaseJwt(auth, options.supabase); // options.supabase: { url, anonKey, jwtSecret }
 */
export async function signSupabaseJwt(subjectOrAuth: SubjectOrAuth, supabase: SupabaseOptions): Promise<string> {
  return (await mintSupabaseJwt(subjectOrAuth, resolveSupabaseOptions(supabase))).jwt;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** What minting and the client caches read from a `LogtoAuth`: anything less is not one. */
function isLogtoAuth(value: unknown): value is LogtoAuth {
  if (typeof value !== 'object' || value === null) return false;
  const auth = value as Partial<LogtoAuth>;
  return (
    isNonEmptyString(auth.token) &&
    isNonEmptyString(auth.subject) &&
    isNonEmptyString(auth.clientId) &&
    Array.isArray(auth.scopes) &&
    typeof auth.isMachine === 'boolean' &&
    typeof auth.expiresAt === 'number' &&
    (auth.organizationId === null || typeof auth.organizationId === 'string') &&
    typeof auth.claims === 'object' &&
    auth.claims !== null
  );
}

/**
 * The verified token behind a subject-or-auth argument, or `null` for a bare subject.
 *
 * @throws {LogtoSupabaseConfigError} (`option: 'subjectOrAuth'`) for anything but a non-empty
 * user id or a `LogtoAuth`: caches are keyed on the token, so a look-alike could share another's.
 */
export function authOf(subjectOrAuth: SubjectOrAuth): LogtoAuth | null {
  if (isNonEmptyString(subjectOrAuth)) return null;
  if (isLogtoAuth(subjectOrAuth)) return subjectOrAuth;
  throw configError('subjectOrAuth', 'must be a non-empty Logto user id or the LogtoAuth that verifyLogtoToken returned.');
}

export interface MintedJwt {
  jwt: string;
  expiresAt: number;
  /** True when `exp` was capped at the Logto token's own expiry (re-minting would not extend it). */
  capped: boolean;
}

export async function mintSupabaseJwt(subjectOrAuth: SubjectOrAuth, options: ResolvedSupabaseOptions): Promise<MintedJwt> {
  const { signing } = options;
  if (!signing) throw configError('supabase.mode', 'is "third-party": Supabase trusts Logto tokens directly and nothing is minted.');
  const auth = authOf(subjectOrAuth);
  const subject = auth ? auth.subject : (subjectOrAuth as string);
  const iat = Math.floor(Date.now() / 1000);
  if (auth) assertNotExpired(auth, iat);
  let exp = iat + options.expiresIn;
  const capped = auth !== null && auth.expiresAt <= exp;
  if (capped) exp = auth.expiresAt;

  const claims: Record<string, unknown> = {};
  const custom = typeof options.claims === 'function' ? options.claims(auth) : options.claims;
  if (custom) {
    refuseServiceRole(custom, 'supabase.jwt.claims');
    for (const [name, value] of Object.entries(custom)) if (!reservedClaims.has(name)) claims[name] = value;
  }
  if (auth) {
    claims.client_id = auth.clientId;
    claims.scope = auth.scopes.join(' ');
    if (auth.organizationId !== null) claims.organization_id = auth.organizationId;
    claims.is_machine = auth.isMachine;
  }
  claims.userId = subject;
  claims.logto_sub = subject;
  claims.role = 'authenticated';

  const jwt = await new SignJWT(claims)
    .setProtectedHeader(signing.kid === undefined ? { alg: signing.alg, typ: 'JWT' } : { alg: signing.alg, typ: 'JWT', kid: signing.kid })
    .setSubject(options.uuidNamespace === undefined ? subject : await logtoUserUuid(subject, options.uuidNamespace))
    .setAudience('authenticated')
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await signing.key);
  return { jwt, expiresAt: exp, capped };
}
