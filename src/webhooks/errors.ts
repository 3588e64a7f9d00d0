/** Why a webhook delivery was refused, stable for programs to switch on. */
export type LogtoWebhookErrorCode = 'invalid_signature' | 'stale_event' | 'invalid_payload';

const statusOf: Record<LogtoWebhookErrorCode, number> = {
  invalid_signature: 401,
  stale_event: 401,
  invalid_payload: 400,
};

/**
 * A refused Logto webhook delivery: a missing or wrong `logto-signature-sha-256`, a body that is
 * not the signed bytes, an event outside the replay window, or a body that is not a Logto event.
 * `message` is safe to send back: it never holds the signing key or the body.
 *
 * @example
 * export async function POST(request: Request): Promise<Response> {
 *   try {
 *     const event = await verifyLogtoWebhook(await request.arrayBuffer(), request.headers, signingKey);
 *     console.log(event.event);
 *     return new Response(null, { status: 204 });
 *   } catch (error) {
 *     if (error instanceof LogtoWebhookError) return error.toResponse();
 *     throw error;
 *   }
 * }
 */
export class LogtoWebhookError extends Error {
  override readonly name = 'LogtoWebhookError';
  readonly code: LogtoWebhookErrorCode;
  readonly status: number;

  constructor(code: LogtoWebhookErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = statusOf[code];
  }

  /** A JSON `Response` carrying the status and `{ error, error_description }`. */
  toResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status });
  }

  /** The same as `toResponse()`: Hono's error handler answers errors that have it. */
  getResponse(): Response {
    return this.toResponse();
  }

  /** The response body: `{ error, error_description }`. */
  toJSON(): { error: LogtoWebhookErrorCode; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}

/** True for a `LogtoWebhookError`, also across duplicated copies of the package (CJS and ESM). */
export function isLogtoWebhookError(error: unknown): error is LogtoWebhookError {
  return (
    error instanceof LogtoWebhookError ||
    (error instanceof Error && error.name === 'LogtoWebhookError' && typeof (error as LogtoWebhookError).status === 'number')
  );
}
