import type { NodeHeaders } from '../core/bearer.js';
import { configError } from '../core/errors.js';
import { positive } from '../core/options.js';
import { LogtoWebhookError } from './errors.js';
import type { LogtoWebhookEvent } from './events.js';

/** The request body exactly as received: the signature covers these bytes. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/** Where the signature comes from: the request's headers, or the header's value. */
export type WebhookSignatureSource = Headers | NodeHeaders | string | null | undefined;

/** Options of `verifyLogtoWebhook`. */
export interface VerifyLogtoWebhookOptions {
  /** Refuse events whose signed `createdAt` is older than this many seconds (default 300). */
  maxAgeSeconds?: number;
  /** Seconds an event's `createdAt` may lie in the future (clock skew; default 30). */
  clockTolerance?: number;
}

/** Logto's signature header: lowercase hex HMAC-SHA256 of the raw body, keyed with the hook's signing key. */
export const logtoSignatureHeader = 'logto-signature-sha-256';

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
const maxKeys = 16;

function hmacKey(signingKey: string): Promise<CryptoKey> {
  let key = keys.get(signingKey);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    keys.set(signingKey, key);
    if (keys.size > maxKeys) keys.delete(keys.keys().next().value!);
  }
  return key;
}

function readSignature(source: WebhookSignatureSource): string | undefined {
  if (source === null || source === undefined || typeof source === 'string') return source ?? undefined;
  if (typeof (source as Headers).get === 'function') return (source as Headers).get(logtoSignatureHeader) ?? undefined;
  if (typeof source !== 'object') return undefined;
  const name = Object.keys(source).find((header) => header.toLowerCase() === logtoSignatureHeader);
  const value = name === undefined ? undefined : (source as NodeHeaders)[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw new LogtoWebhookError('invalid_signature', `More than one ${logtoSignatureHeader} header was sent.`);
    return value[0];
  }
  return value;
}

/** The signature's 32 bytes, from 64 hex digits; undefined for anything else. */
function signatureBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function bodyBytes(rawBody: RawBody): Uint8Array<ArrayBuffer> {
  if (typeof rawBody === 'string') return encoder.encode(rawBody);
  // Views and buffers by shape, not instanceof: Buffers, and values from another realm (vm, workers), pass.
  if (ArrayBuffer.isView(rawBody)) return new Uint8Array(rawBody.buffer as ArrayBuffer, rawBody.byteOffset, rawBody.byteLength);
  if (Object.prototype.toString.call(rawBody) === '[object ArrayBuffer]') return new Uint8Array(rawBody);
  throw configError(
    'rawBody',
    'must be the raw request body (a string, Uint8Array or ArrayBuffer), not parsed JSON: the signature covers the exact bytes Logto sent.',
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseEvent(bytes: Uint8Array): LogtoWebhookEvent {
  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new LogtoWebhookError('invalid_payload', 'The body is not JSON.');
  }
  if (!isObject(event) || typeof event.event !== 'string' || typeof event.createdAt !== 'string') {
    throw new LogtoWebhookError('invalid_payload', 'The body is not a Logto webhook event: "event" and "createdAt" are required.');
  }
  return event as unknown as LogtoWebhookEvent;
}

function checkFreshness(createdAt: string, maxAgeSeconds: number, clockTolerance: number): void {
  const time = Date.parse(createdAt);
  if (Number.isNaN(time)) throw new LogtoWebhookError('invalid_payload', 'The event\'s "createdAt" is not a date.');
  const age = (Date.now() - time) / 1000;
  if (age > maxAgeSeconds) {
    throw new LogtoWebhookError('stale_event', `The event was created ${Math.round(age)} s ago, more than the ${maxAgeSeconds} s allowed: a replay, or a delivery held back.`);
  }
  if (-age > clockTolerance) throw new LogtoWebhookError('stale_event', 'The event\'s "createdAt" is in the future: check the clocks.');
}

/**
 * Verifies a Logto webhook delivery and returns its event: the `logto-signature-sha-256` header
 * must be the HMAC-SHA256 of the raw body under the hook's signing key (checked in constant time
 * by Web Crypto), and the signed `createdAt` must be within `maxAgeSeconds` (Logto sends no
 * delivery id, so this window is what stops a replay). Runs on every runtime with `crypto.subtle`.
 *
 * @example
 * const event = await verifyLogtoWebhook(await request.text(), request.headers, process.env.LOGTO_WEBHOOK_SIGNING_KEY!);
 * if (event.event === 'User.Created') console.log('new user', event.data.id);
 *
 * @throws {LogtoWebhookError} `invalid_signature` (401), `stale_event` (401) or `invalid_payload` (400).
 * @throws {LogtoSupabaseConfigError} for an empty signing key, bad options, or a body that is not raw bytes.
 */
export async function verifyLogtoWebhook(
  rawBody: RawBody,
  headersOrSignature: WebhookSignatureSource,
  signingKey: string,
  options: VerifyLogtoWebhookOptions = {},
): Promise<LogtoWebhookEvent> {
  if (typeof signingKey !== 'string' || signingKey === '') {
    throw configError('signingKey', "is required: the webhook's signing key from Logto Console (Webhooks → your webhook → Signing key).");
  }
  const maxAgeSeconds = positive('maxAgeSeconds', options.maxAgeSeconds, 300);
  const clockTolerance = positive('clockTolerance', options.clockTolerance, 30);
  const bytes = bodyBytes(rawBody);
  const header = readSignature(headersOrSignature);
  if (header === undefined || header === '') throw new LogtoWebhookError('invalid_signature', `The ${logtoSignatureHeader} header is missing.`);
  const signature = signatureBytes(header.trim());
  const valid = signature !== undefined && (await crypto.subtle.verify('HMAC', await hmacKey(signingKey), signature, bytes));
  if (!valid) throw new LogtoWebhookError('invalid_signature', `The ${logtoSignatureHeader} header does not match the body: a wrong signing key, or a body that is not the bytes Logto sent.`);
  const event = parseEvent(bytes);
  checkFreshness(event.createdAt, maxAgeSeconds, clockTolerance);
  return event;
}
