import { configError } from '../core/errors.js';
import { isLogtoWebhookError, LogtoWebhookError } from './errors.js';
import type { LogtoWebhookEvent } from './events.js';
import { verifyLogtoWebhook, type RawBody, type VerifyLogtoWebhookOptions, type WebhookSignatureSource } from './verify.js';

/** What a webhook endpoint is given: the hook's signing key, and what to do with each verified event. */
export interface LogtoWebhookHandlerOptions extends VerifyLogtoWebhookOptions {
  /** The webhook's signing key (Logto Console → Webhooks → your webhook → Signing key). */
  signingKey: string;
  /** Gets every verified event: `createLogtoUserSync(...)`, or your own `{ handle(event) }`. */
  sync: {
    /** Applies one verified event (its result is ignored; a throw answers 500). */
    handle(event: LogtoWebhookEvent): unknown;
  };
}

/** The answer to write back: 204, or the `LogtoWebhookError` status with `{ error, error_description }`. */
export interface LogtoWebhookReply {
  status: number;
  headers: Record<string, string>;
  body?: { error: string; error_description: string };
}

/** A request body: its bytes, a promise of them (`request.arrayBuffer()`), or a Node request stream. */
export type WebhookBody = RawBody | Promise<RawBody> | AsyncIterable<Uint8Array | string>;

/** Answers one webhook delivery from its body and headers. */
export type LogtoWebhookReceiver = (body: WebhookBody, headers: WebhookSignatureSource) => Promise<LogtoWebhookReply>;

const maxBodyBytes = 1024 * 1024;

const isStream = (body: WebhookBody): body is AsyncIterable<Uint8Array | string> =>
  typeof body === 'object' && body !== null && Symbol.asyncIterator in body;

/** Reads a request stream to bytes, refusing bodies over 1 MiB. */
async function readStream(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > maxBodyBytes) throw new LogtoWebhookError('invalid_payload', 'The body is larger than 1 MiB.');
    chunks.push(bytes);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) body.set(chunk, (offset += chunk.byteLength) - chunk.byteLength);
  return body;
}

/**
 * The webhook endpoint without a framework: checks the options once, then answers each delivery
 * with 204 after `sync.handle(event)`, or with the `LogtoWebhookError` status. Other errors (the
 * database is down) propagate to your framework. The adapters' `logtoWebhookHandler` use it.
 *
 * @example
 * const receive = createLogtoWebhookReceiver({ signingKey: process.env.LOGTO_WEBHOOK_SIGNING_KEY!, sync: createLogtoUserSync({ supabase }) });
 * const { status, body } = await receive(request.arrayBuffer(), request.headers);
 *
 * @throws {LogtoSupabaseConfigError} without a `signingKey` or a `sync`.
 */
export function createLogtoWebhookReceiver(options: LogtoWebhookHandlerOptions): LogtoWebhookReceiver {
  if (typeof options?.signingKey !== 'string' || options.signingKey === '') {
    throw configError('signingKey', "is required: the webhook's signing key from Logto Console (Webhooks → your webhook → Signing key).");
  }
  if (typeof options.sync?.handle !== 'function') {
    throw configError('sync', 'must have handle(event): pass createLogtoUserSync({ supabase }) or { handle: async (event) => … }.');
  }
  const { signingKey, sync, ...window } = options;
  return async (body, headers) => {
    try {
      const bytes = isStream(body) ? await readStream(body) : await body;
      await sync.handle(await verifyLogtoWebhook(bytes, headers, signingKey, window));
      return { status: 204, headers: {} };
    } catch (error) {
      if (isLogtoWebhookError(error)) return { status: error.status, headers: {}, body: error.toJSON() };
      throw error;
    }
  };
}
