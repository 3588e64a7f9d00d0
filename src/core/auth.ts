import type { JWTPayload } from 'jose';
import { LogtoAuthError } from './errors.js';
import { redactInLogs } from './redact.js';

/** The verified claims of a Logto access token. */
export interface LogtoClaims extends JWTPayload {
  jti?: string;
  sub: string;
  iat?: number;
  exp: number;
  scope?: string;
  client_id: string;
  iss: string;
  aud: string | string[];
  organization_id?: string;
  [claim: string]: unknown;
}

/** Who a verified Logto access token speaks for. */
export interface LogtoAuth {
  /** The raw access token (shown as "[redacted]" by `JSON.stringify` and `util.inspect`). */
  token: string;
  claims: LogtoClaims;
  /** `sub`. */
  subject: string;
  /** `sub` for a user token; `null` for a machine-to-machine token. */
  userId: string | null;
  clientId: string;
  /** True for Logto's client-credentials tokens (`sub === client_id`). */
  isMachine: boolean;
  /** `scope` split on spaces: exact names, never substrings. */
  scopes: string[];
  /** `organization_id`, or `<id>` of an audience `urn:logto:organization:<id>`; else `null`. */
  organizationId: string | null;
  /** `exp`, seconds since the epoch. */
  expiresAt: number;
}

const organizationAudience = 'urn:logto:organization:';

export function organizationOf(claims: Pick<LogtoClaims, 'aud' | 'organization_id'>): string | null {
  if (typeof claims.organization_id === 'string' && claims.organization_id !== '') return claims.organization_id;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const audience = audiences.find((aud) => typeof aud === 'string' && aud.startsWith(organizationAudience));
  return audience && audience.length > organizationAudience.length ? audience.slice(organizationAudience.length) : null;
}

/** Claims are JSON (objects, arrays, primitives, no cycles): frozen all the way down. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Frozen all the way down, claims included: a verified token is cached and shared by requests,
 * so no handler may change it for the next (a copy per request would cost every hit, and a
 * mutation would silently change nothing instead of failing where it is made).
 * The raw token is a credential: `console.log(auth)` or a JSON logger must not replay it.
 */
export function toLogtoAuth(token: string, claims: LogtoClaims): LogtoAuth {
  const isMachine = claims.sub === claims.client_id;
  const auth: LogtoAuth = {
    token,
    claims: deepFreeze(claims),
    subject: claims.sub,
    userId: isMachine ? null : claims.sub,
    clientId: claims.client_id,
    isMachine,
    scopes: Object.freeze((claims.scope ?? '').split(' ').filter(Boolean)) as string[],
    organizationId: organizationOf(claims),
    expiresAt: claims.exp,
  };
  return Object.freeze(redactInLogs(auth, ['token']));
}

/**
 * A token past its `exp` but inside the clock tolerance verifies; nothing may be minted or
 * forwarded for it, since a Supabase JWT never outlives the Logto token.
 */
export function assertNotExpired(auth: Pick<LogtoAuth, 'expiresAt'>, now = Math.floor(Date.now() / 1000)): void {
  if (auth.expiresAt <= now) throw new LogtoAuthError('invalid_token', 'The access token expired.', { reason: 'expired' });
}
