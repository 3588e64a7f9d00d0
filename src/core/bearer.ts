import { LogtoAuthError } from './errors.js';

/** Node-style headers (`IncomingHttpHeaders`): lower-case names, string or string[] values. */
export type NodeHeaders = Record<string, string | string[] | undefined>;

/** Where a bearer token can be read from. */
export type BearerSource = Request | Headers | NodeHeaders | string | null | undefined;

/** A request without credentials (RFC 6750 §3.1: no error code). */
export const missingToken = () => new LogtoAuthError('missing_token', 'Authorization header with a Bearer token is required.');

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the bearer token of an `Authorization` header (RFC 6750 §2.1).
 *
 * No header, or another scheme such as `Basic`, is `missing_token` (401, no error code);
 * `Bearer` with no token, two tokens or characters outside token68 is `invalid_request` (400).
 *
 * @example
 * const token = extractBearerToken(request); // Request, Headers, req.headers or the header value
 */
export function extractBearerToken(source: BearerSource): string {
  const header = readAuthorization(source);
  if (header === undefined) throw missingToken();
  const trimmed = header.trim();
  const [scheme = '', ...rest] = trimmed.split(/[ \t]+/);
  if (scheme.toLowerCase() !== 'bearer') {
    throw missingToken();
  }
  if (rest.length === 0) throw new LogtoAuthError('invalid_request', 'The Bearer token is empty.');
  if (rest.length > 1) throw new LogtoAuthError('invalid_request', 'The Authorization header holds more than one token.');
  const token = rest[0]!;
  if (!token68.test(token)) {
    throw new LogtoAuthError('invalid_request', 'The Bearer token contains characters outside the RFC 6750 token68 set.');
  }
  return token;
}

function readAuthorization(source: BearerSource): string | undefined {
  if (source === null || source === undefined) return undefined;
  if (typeof source === 'string') return source === '' ? undefined : source;
  if (typeof (source as Headers).get === 'function') return (source as Headers).get('authorization') ?? undefined;
  if (isRequestLike(source)) return (source.headers as Headers).get('authorization') ?? undefined;
  const value = (source as NodeHeaders).authorization ?? (source as NodeHeaders).Authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new LogtoAuthError('invalid_request', 'More than one Authorization header was sent.');
    return value[0];
  }
  return value === '' ? undefined : value;
}

function isRequestLike(source: object): source is Request {
  const headers = (source as { headers?: unknown }).headers;
  return typeof headers === 'object' && headers !== null && typeof (headers as Headers).get === 'function';
}
