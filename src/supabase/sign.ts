import { SignJWT } from 'jose';
import type { LogtoAuth } from '../core/auth.js';
import { LogtoAuthError, LogtoSupabaseConfigError } from '../core/errors.js';
import { refuseServiceRole, resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from './options.js';

/** A Logto subject (`sub`) or a verified Logto token. */
export type SubjectOrAuth = string | LogtoAuth;

/** Claims the library sets and custom claims never override: they are what RLS policies trust. */
const reservedClaims = new Set(['sub', 'role', 'aud', 'exp', 'iat', 'nbf', 'userId', 'client_id', 'scope', 'organization_id', 'is_machine']);

/**
 * Mints the JWT Supabase (PostgREST) accepts for Row-Level Security: `role` and `aud`
 * `authenticated`, the Logto `sub`, `client_id`, `scope`, `organization_id`, `is_machine`, and
 * `userId` (for policies written after the old Logto guide). It never outlives the Logto token.
 *
 * @example
 * const jwt = await signSupabaseJwt(auth, { url, anonKey, jwtSecret: process.env.SUPABASE_JWT_SECRET });
 */
export async function signSupabaseJwt(subjectOrAuth: SubjectOrAuth, supabase: SupabaseOptions): Promise<string> {
  return (await mintSupabaseJwt(subjectOrAuth, resolveSupabaseOptions(supabase))).jwt;
}

export interface MintedJwt {
  jwt: string;
  expiresAt: number;
  /** True when `exp` was capped at the Logto token's own expiry (re-minting would not extend it). */
  capped: boolean;
}

export async function mintSupabaseJwt(subjectOrAuth: SubjectOrAuth, options: ResolvedSupabaseOptions): Promise<MintedJwt> {
  const { signing } = options;
  if (!signing) {
    throw new LogtoSupabaseConfigError('supabase.mode', 'is "third-party": Supabase trusts Logto tokens directly and nothing is minted.');
  }
  const auth = typeof subjectOrAuth === 'string' ? null : subjectOrAuth;
  const subject = auth ? auth.subject : subjectOrAuth;
  if (typeof subject !== 'string' || subject === '') {
    throw new TypeError('signSupabaseJwt: the subject must be a non-empty Logto user id or a verified LogtoAuth.');
  }
  const iat = Math.floor(Date.now() / 1000);
  let exp = iat + options.expiresIn;
  const capped = auth !== null && auth.expiresAt <= exp;
  if (capped) exp = auth.expiresAt;
  if (exp <= iat) throw new LogtoAuthError('invalid_token', 'The access token expired.');

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
  claims.role = 'authenticated';

  const jwt = await new SignJWT(claims)
    .setProtectedHeader(signing.kid === undefined ? { alg: signing.alg, typ: 'JWT' } : { alg: signing.alg, typ: 'JWT', kid: signing.kid })
    .setSubject(subject)
    .setAudience('authenticated')
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await signing.key);
  return { jwt, expiresAt: exp, capped };
}
