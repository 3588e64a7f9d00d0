import { assertScopes } from '../core/assert-scopes.js';
import type { LogtoAuth } from '../core/auth.js';
import { missingToken, type BearerSource } from '../core/bearer.js';
import { isLogtoAuthError, type LogtoAuthError } from '../core/errors.js';
import {
  authenticatorOf,
  createLogtoSupabase,
  thirdPartyExchangeError,
  type Authenticated,
  type Authenticator,
  type LogtoSupabase,
  type LogtoSupabaseOptions,
} from '../bridge.js';
import { isDeepFrozen, notPlain, plainCopy, sameAsPlainCopy } from './plain-options.js';

/*
 * What every adapter shares. An adapter only translates between its framework and these:
 * where to find the headers, how to set the request's `auth`/`supabase`, how to send a reply.
 */

const isBridge = (value: object): value is LogtoSupabase => typeof (value as LogtoSupabase).authenticate === 'function';

/** Options that are not plain (see plain-options.ts), and deep-frozen ones: one bridge per options object. */
const bridgesByIdentity = new WeakMap<object, LogtoSupabase>();
/** Plain options: one bridge per value, made from a private copy; most recently used first. */
const bridgesByValue: { copy: LogtoSupabaseOptions; bridge: LogtoSupabase }[] = [];
const maxBridgesByValue = 32;

function bridgeByValue(options: LogtoSupabaseOptions): LogtoSupabase | undefined {
  const index = bridgesByValue.findIndex(({ copy }) => sameAsPlainCopy(options, copy));
  if (index < 0) return undefined;
  const [entry] = bridgesByValue.splice(index, 1);
  bridgesByValue.unshift(entry!);
  return entry!.bridge;
}

function newBridge(input: LogtoSupabaseOptions): LogtoSupabase {
  const copy = plainCopy(input);
  if (copy === notPlain) {
    const bridge = createLogtoSupabase(input);
    bridgesByIdentity.set(input, bridge);
    return bridge;
  }
  // Made from the copy: what was compared is exactly what the bridge reads, now and later.
  const bridge = createLogtoSupabase(copy);
  bridgesByValue.unshift({ copy, bridge });
  if (bridgesByValue.length > maxBridgesByValue) bridgesByValue.pop();
  return bridge;
}

/**
 * The bridge for adapter options: a bridge as is, or one made once per options. Plain options
 * (plain-options.ts) are shared by value, so options rebuilt per request with the same values
 * (e.g. `(c) => fromEnv(c.env)` on Workers) share one bridge; any other options object (a class
 * instance, getters, `Object.create(base)`) gets its own, kept for as long as the object lives.
 */
export function toLogtoSupabase(input: LogtoSupabaseOptions | LogtoSupabase): LogtoSupabase {
  if (typeof input !== 'object' || input === null) return createLogtoSupabase(input);
  if (isBridge(input)) return input;
  const known = bridgesByIdentity.get(input);
  if (known) return known;
  const bridge = bridgeByValue(input) ?? newBridge(input);
  // Deep-frozen options (fromEnv's) cannot change: the next lookup of this object is by identity.
  if (isDeepFrozen(input)) bridgesByIdentity.set(input, bridge);
  return bridge;
}

/** How an adapter authenticates with these options: see `authenticatorOf`. */
export const authenticatorFor = (input: LogtoSupabaseOptions | LogtoSupabase): Authenticator => authenticatorOf(toLogtoSupabase(input));

/**
 * Calls `ok` with the authentication `run` gives, or `fail` with its error: in this same tick when
 * the token was cached (no promise on the hot path), else when the promise settles.
 */
export function onAuthenticated<R, F>(
  run: () => Authenticated | Promise<Authenticated>,
  ok: (result: Authenticated) => R,
  fail: (error: unknown) => F,
): R | F | Promise<R | F> {
  let result: Authenticated | Promise<Authenticated>;
  try {
    result = run();
  } catch (error) {
    return fail(error);
  }
  return result instanceof Promise ? result.then(ok, fail) : ok(result);
}

/** What `requireScopes` middleware checks: a token is present and holds every scope. */
export function requireAuthScopes(auth: LogtoAuth | null | undefined, scopes: string[]): void {
  if (!auth) throw missingToken();
  assertScopes(auth, ...scopes);
}

/**
 * A framework-neutral answer. Shared handlers (auth failures, token exchange, webhooks) return
 * one, and each adapter writes it with its own response API in a few lines.
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A JSON value, or `undefined` for an empty body. */
  body?: unknown;
}

/** The answer to a failed authentication: RFC 6750 status, `WWW-Authenticate`, `{ error, error_description }`. */
export function authErrorReply(error: LogtoAuthError): Reply {
  return { status: error.status, headers: error.headers, body: error.toJSON() };
}

/** A `Reply` as a Web `Response` (Hono, Next). */
export function replyToResponse({ status, headers, body }: Reply): Response {
  if (body === undefined) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** The bridge a token-exchange handler uses; in third-party mode there is nothing to exchange. */
export function tokenExchangeBridge(input: LogtoSupabaseOptions | LogtoSupabase): LogtoSupabase {
  const bridge = toLogtoSupabase(input);
  if (bridge.mode === 'third-party') throw thirdPartyExchangeError();
  return bridge;
}

const notPost: Reply = {
  status: 405,
  headers: { Allow: 'POST' },
  body: { error: 'invalid_request', error_description: 'The token endpoint answers POST only.' },
};

/**
 * The token endpoint, framework-neutral: `POST` with a Logto bearer token → 200 and the
 * `bridge.exchange` JSON, never cached (RFC 6749 §5.1); auth failures as the middleware answers
 * them; other methods 405. Errors that are not auth failures propagate to the framework.
 */
export async function answerTokenExchange(bridge: LogtoSupabase, method: string, headers: BearerSource): Promise<Reply> {
  if (method.toUpperCase() !== 'POST') return notPost;
  try {
    return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body: await bridge.exchange(headers) };
  } catch (error) {
    if (isLogtoAuthError(error)) return authErrorReply(error);
    throw error;
  }
}

/*
 * Webhooks: the framework-neutral receiver lives in the webhooks entry (its users may call it from
 * any framework); adapters read the body their framework's way and write its reply.
 */
export {
  createLogtoWebhookReceiver as logtoWebhookReceiver,
  type LogtoWebhookHandlerOptions,
  type LogtoWebhookReceiver as WebhookReceiver,
} from '../webhooks/receiver.js';

/** The answer when a body parser consumed the body first: a server mistake, with the one line that fixes it. */
export function bodyParsedReply(fix: string): Reply {
  return {
    status: 500,
    headers: {},
    body: { error: 'server_error', error_description: `The webhook body was parsed before the signature could be checked over its raw bytes: ${fix}` },
  };
}
