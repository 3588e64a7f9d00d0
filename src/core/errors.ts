/** The error codes of RFC 6750 (plus `missing_token` and `jwks_unavailable`), stable for programs to switch on. */
export type LogtoAuthErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'jwks_unavailable';

const statusOf: Record<LogtoAuthErrorCode, number> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  jwks_unavailable: 503,
};

/**
 * Why a token is `invalid_token`, stable for programs to switch on (the message is for people):
 *
 * | reason | the token… |
 * |---|---|
 * | `too_large` | is over 16 KiB (refused before parsing) |
 * | `malformed` | is not a compact JWS of canonical base64url and JSON, or uses an unsupported JWS feature |
 * | `algorithm` | names a signing algorithm that is not allowed (`none`, HS*, or outside `algorithms`) |
 * | `typ` | is not an access token (`typ` is not `at+jwt`) |
 * | `unknown_key` | names a key (`kid`) the issuer does not publish, or no key fits |
 * | `signature` | has a signature that does not verify |
 * | `issuer` | was issued by another issuer (`iss`) |
 * | `audience` | is for another API resource (`aud`) |
 * | `expired` | is past its `exp` |
 * | `not_yet_valid` | is not valid yet (`nbf`) or issued in the future (`iat`) |
 * | `claims` | lacks a required claim or has one of the wrong type (`exp`, `sub`, `client_id`, `scope`, …) |
 * | `organization` | is not for the required organization |
 */
export type LogtoAuthErrorReason =
  | 'too_large'
  | 'malformed'
  | 'algorithm'
  | 'typ'
  | 'unknown_key'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'
  | 'organization';

/** What a `LogtoAuthError` carries besides its code and message. */
export interface LogtoAuthErrorOptions {
  /** Why the token is `invalid_token` (set on every `invalid_token` the library throws). */
  reason?: LogtoAuthErrorReason;
  /** Scopes the request lacked (`insufficient_scope`), named in `WWW-Authenticate`. */
  scopes?: readonly string[];
  /** Seconds a client should wait before retrying (`jwks_unavailable`). */
  retryAfter?: number;
  /** The realm named in `WWW-Authenticate`. */
  realm?: string;
  cause?: unknown;
}

/** Quotes a value for an RFC 7235 auth-param: no quotes or backslashes, printable ASCII only. */
const quote = (value: string) => `"${value.replace(/[^\x20-\x7e]|["\\]/g, '')}"`;

/**
 * Every failure to authenticate a request: a missing or malformed bearer token, a token that
 * fails verification, a missing scope, or a Logto outage. `message` is safe to show to clients:
 * it never contains the token or a secret.
 *
 * @example
 * async function handle(request: Request): Promise<Response> {
 *   try {
 *     const { userId } = await verifyLogtoToken(extractBearerToken(request), options.logto);
 *     return Response.json({ userId });
 *   } catch (error) {
 *     if (error instanceof LogtoAuthError) return error.toResponse(); // 401/403 with WWW-Authenticate, 503
 *     throw error;
 *   }
 * }
 */
export class LogtoAuthError extends Error {
  override readonly name = 'LogtoAuthError';
  readonly code: LogtoAuthErrorCode;
  /** Why an `invalid_token` was refused (`expired`, `signature`, `audience`, …); `undefined` for the other codes. */
  readonly reason: LogtoAuthErrorReason | undefined;
  /** The HTTP status to answer with: 400, 401, 403 or 503. */
  readonly status: number;
  /** Response headers to send: `WWW-Authenticate` (RFC 6750 §3) or `Retry-After`. */
  readonly headers: Record<string, string>;
  /** The scopes a request needed (`insufficient_scope`); empty for the other codes. */
  readonly scopes: readonly string[];

  /**
   * @param code The RFC 6750 error code; it sets `status` and the `WWW-Authenticate` error.
   * @param message Shown to clients (`error_description`): never put a token or a secret in it.
   */
  constructor(code: LogtoAuthErrorCode, message: string, options: LogtoAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options.reason;
    this.status = statusOf[code];
    this.scopes = options.scopes ?? [];
    this.headers = buildHeaders(code, message, this.scopes, options);
  }

  /** A JSON `Response` carrying the status, headers and `{ error, error_description }`. */
  toResponse(): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { 'content-type': 'application/json', ...this.headers },
    });
  }

  /** The same as `toResponse()`: Hono's error handler answers errors that have it, without logging them. */
  getResponse(): Response {
    return this.toResponse();
  }

  /** The response body: `{ error, error_description }` (RFC 6749 §5.2 shape). */
  toJSON(): { error: LogtoAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}

function buildHeaders(
  code: LogtoAuthErrorCode,
  message: string,
  scopes: readonly string[],
  { realm = 'api', retryAfter = 30 }: LogtoAuthErrorOptions,
): Record<string, string> {
  if (code === 'jwks_unavailable') return { 'Retry-After': String(retryAfter) };
  const params = [`realm=${quote(realm)}`];
  // RFC 6750 §3.1: a request without credentials gets no error code.
  if (code !== 'missing_token') {
    params.push(`error=${quote(code)}`, `error_description=${quote(message)}`);
  }
  if (code === 'insufficient_scope') params.push(`scope=${quote(scopes.join(' '))}`);
  return { 'WWW-Authenticate': `Bearer ${params.join(', ')}` };
}

/** True for a `LogtoAuthError`, also across duplicated copies of the package (CJS and ESM). */
export function isLogtoAuthError(error: unknown): error is LogtoAuthError {
  return (
    error instanceof LogtoAuthError ||
    (error instanceof Error && error.name === 'LogtoAuthError' && typeof (error as LogtoAuthError).status === 'number')
  );
}

/**
 * A configuration mistake, found when a verifier, client or bridge is made. `option` names the
 * option at fault and the message says how to fix it; secrets are never quoted.
 */
export class LogtoSupabaseConfigError extends Error {
  override readonly name = 'LogtoSupabaseConfigError';
  readonly code = 'invalid_config';
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/** Shorthand for the configuration checks: `throw configError('supabase.url', 'is required…')`. */
export const configError = (option: string, message: string) => new LogtoSupabaseConfigError(option, message);
