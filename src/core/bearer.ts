import { LogtoAuthError } from './errors.js';

/** Node-style headers (`IncomingHttpHeaders`): lower-case names, string or string[] values. */
export type NodeHeaders = Record<string, string | string[] | undefined>;

/**
 * A Node request (`IncomingMessage`: Express's `req`, Koa's `ctx.req`, Fastify's `request.raw`).
 * Its `headers` keep only the first of repeated `Authorization` headers; `headersDistinct`
 * keeps them all, so a second one is refused instead of ignored.
 */
export interface NodeRequest {
  headers: NodeHeaders;
  headersDistinct?: Record<string, string[] | undefined>;
}

/** Where a bearer token can be read from. */
export type BearerSource = Request | Headers | NodeRequest | NodeHeaders | string | null | undefined;

/** A request without credentials (RFC 6750 §3.1: no error code). */
export const missingToken = () => new LogtoAuthError('missing_token', 'Authorization header with a Bearer token is required.');

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const repeatedHeader = () => new LogtoAuthError('invalid_request', 'More than one Authorization header was sent.');

/**
 * Reads the bearer token of an `Authorization` header (RFC 6750 §2.1).
 *
 * No header, or another scheme such as `Basic`, is `missing_token` (401, no error code);
 * `Bearer` with no token, two tokens, a repeated `Authorization` header (pass the request, not its
 * `headers`, which keep only the first) or characters outside token68 is `invalid_request` (400).
 * Any request with `headers` works: a Web `Request`, a Node `IncomingMessage`, Express's `req`,
 * Koa's `ctx` or `ctx.request`, Fastify's `request`.
 *
 * @throws {LogtoAuthError} `missing_token` (401) or `invalid_request` (400), as above.
 * @example
 * const token = extractBearerToken(request); // a request of any framework, Headers, Node headers or the header value
 */
export function extractBearerToken(source: BearerSource): string {
  const header = readAuthorization(source);
  if (header === undefined) throw missingToken();
  const trimmed = header.trim();
  const [scheme = '', ...rest] = trimmed.split(/[ \t]+/);
  if (scheme.toLowerCase() !== 'bearer') {
    throw missingToken();
  }
  // Fetch's Headers join repeated headers with ", " (a comma is never part of a bearer token).
  if (/,[ \t]/.test(trimmed)) throw repeatedHeader();
  if (rest.length === 0) throw new LogtoAuthError('invalid_request', 'The Bearer token is empty.');
  if (rest.length > 1) throw new LogtoAuthError('invalid_request', 'The Authorization header holds more than one token.');
  const token = rest[0]!;
  if (!token68.test(token)) {
    throw new LogtoAuthError('invalid_request', 'The Bearer token contains characters outside the RFC 6750 token68 set.');
  }
  return token;
}

/**
 * The rest of a header that reads `Bearer <rest>`, unchecked: only for looking up tokens that
 * verified before (one equal to it passes every check of `extractBearerToken`, since a verified
 * token is base64url and dots). A repeated header still throws.
 */
export function uncheckedBearerToken(source: BearerSource): string | undefined {
  const header = readAuthorization(source);
  return header !== undefined && bearerPrefix.test(header) ? header.slice(7) : undefined;
}

const bearerPrefix = /^bearer /i;

function readAuthorization(source: BearerSource): string | undefined {
  if (source === null || source === undefined) return undefined;
  if (typeof source === 'string') return source === '' ? undefined : source;
  // First: Express's `req` and Koa's `ctx` also have a `get(name)`, which reads only the first header.
  // A Node request, or a framework's request around one (Fastify's `request.raw`, Koa's `ctx.req`).
  const node = source as NodeRequest & { raw?: NodeRequest; req?: NodeRequest };
  const headersDistinct = node.headersDistinct ?? node.raw?.headersDistinct ?? node.req?.headersDistinct;
  if (typeof headersDistinct === 'object' && headersDistinct !== null) return fromNodeHeaders(headersDistinct);
  if (typeof (source as Headers).get === 'function') return (source as Headers).get('authorization') ?? undefined;
  const { headers } = source as { headers?: unknown };
  if (typeof headers !== 'object' || headers === null) return fromNodeHeaders(source as NodeHeaders);
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get('authorization') ?? undefined;
  return fromNodeHeaders(headers as NodeHeaders);
}

function fromNodeHeaders(headers: NodeHeaders): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) throw repeatedHeader();
    return value[0] === '' ? undefined : value[0];
  }
  return value === '' ? undefined : value;
}
