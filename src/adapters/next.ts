import type { SupabaseClient } from '@supabase/supabase-js';
import type { LogtoSupabase, LogtoSupabaseOptions } from '../bridge.js';
import {
  answerTokenExchange,
  logtoWebhookReceiver,
  replyToResponse,
  requireAuthScopes,
  tokenExchangeBridge,
  toLogtoSupabase,
  type LogtoWebhookHandlerOptions,
  type WebhookReceiver,
} from './shared.js';
import type { LogtoAuth } from '../core/auth.js';
import { isLogtoAuthError, LogtoAuthError } from '../core/errors.js';
import { createUserSupabaseClient } from '../supabase/clients.js';
import type { SupabaseOptions } from '../supabase/options.js';

/** What a route handler wrapped by `withLogtoSupabase` receives besides the request. */
export interface LogtoSupabaseRouteContext<Params> {
  /** The verified Logto token (`null` for an anonymous request in optional mode). */
  auth: LogtoAuth | null;
  /** A Supabase client acting as the token's user (RLS applies), or the service role for allowlisted machines. */
  supabase: SupabaseClient;
  /** The route's dynamic params as Next passes them (a Promise since Next 15). */
  params: Params;
}

/** A route handler wrapped by `withLogtoSupabase`: it also gets the verified token and its Supabase client. */
export type LogtoSupabaseRouteHandler<Params> = (
  request: Request,
  context: LogtoSupabaseRouteContext<Params>,
) => Response | Promise<Response>;

/** A route handler as Next calls it; the first form lets tests and other code call it with a request alone. */
export interface LogtoSupabaseRoute<Params> {
  (request: Request): Promise<Response>;
  (request: Request, context: { params: Params }): Promise<Response>;
}

export type { LogtoAuth, LogtoSupabaseOptions, LogtoWebhookHandlerOptions };

/**
 * Wraps an App Router route handler (Node or Edge runtime): the bearer token is verified and
 * the handler gets `{ auth, supabase, params }`; auth failures, and `LogtoAuthError`s the handler
 * throws, are answered with their status, `WWW-Authenticate` and JSON body. Per-route scopes go
 * in that route's `logto.requiredScopes`. Pass `() => options` to read the environment on the
 * first request instead of at build time.
 *
 * @example
 * // app/api/posts/route.ts
 * export const GET = withLogtoSupabase(options, async (request, { supabase }) =>
 *   Response.json((await supabase.from('posts').select()).data));
 */
export function withLogtoSupabase<Params = Promise<Record<string, string | string[]>>>(
  options: LogtoSupabaseOptions | LogtoSupabase | (() => LogtoSupabaseOptions | LogtoSupabase),
  handler: LogtoSupabaseRouteHandler<Params>,
): LogtoSupabaseRoute<Params> {
  let bridge = typeof options === 'function' ? undefined : toLogtoSupabase(options);
  return async (request: Request, context?: { params: Params }) => {
    try {
      bridge ??= toLogtoSupabase((options as () => LogtoSupabaseOptions | LogtoSupabase)());
      const { auth, supabase } = await bridge.authenticate(request);
      return await handler(request, { auth, supabase, params: context?.params as Params });
    } catch (error) {
      if (isLogtoAuthError(error)) return error.toResponse();
      throw error;
    }
  };
}

/** The part of `@logto/next`'s `getLogtoContext()` result this needs. */
export interface LogtoContextLike {
  isAuthenticated: boolean;
  claims?: { sub?: string } | null;
}

/**
 * A Supabase client for the user signed in through `@logto/next`, for server components and
 * server actions: `context` is what `getLogtoContext(config)` returns. Throws `missing_token`
 * (401) when nobody is signed in.
 *
 * @example
 * const context = await getLogtoContext(logtoConfig);
 * const supabase = createSupabaseClientForLogtoContext(context, options);
 * const { data: posts } = await supabase.from('posts').select('*');
 */
export function createSupabaseClientForLogtoContext<Database = any>(
  context: LogtoContextLike,
  options: Pick<LogtoSupabaseOptions, 'supabase'> | SupabaseOptions,
): SupabaseClient<Database> {
  const subject = context?.isAuthenticated ? context.claims?.sub : undefined;
  if (typeof subject !== 'string' || subject === '') {
    throw new LogtoAuthError('missing_token', 'No user is signed in with Logto: sign in before querying Supabase as the user.');
  }
  const supabase = 'supabase' in options ? options.supabase : options;
  return createUserSupabaseClient<Database>(subject, supabase);
}

/**
 * Wraps a route handler so it answers 403 `insufficient_scope` unless the token holds every scope.
 *
 * @example
 * export const POST = withLogtoSupabase(options, requireScopes('write:posts')(createPost));
 */
export function requireScopes(...scopes: string[]) {
  return <Params>(handler: LogtoSupabaseRouteHandler<Params>): LogtoSupabaseRouteHandler<Params> =>
    (request, context) => {
      requireAuthScopes(context.auth, scopes);
      return handler(request, context);
    };
}

/**
 * The token endpoint for browsers (mint mode), as an App Router route handler: `POST` with the
 * Logto access token as Bearer → the Supabase JWT (`access_token`, `expires_in`, `expires_at`),
 * `Cache-Control: no-store`; auth failures answered like `withLogtoSupabase`. Pass
 * `() => options` to read the environment on the first request.
 *
 * @throws {LogtoSupabaseConfigError} in third-party mode (on the first request with `() => options`):
 * the browser sends the Logto token itself.
 * @example
 * // app/api/supabase-token/route.ts
 * export const POST = supabaseTokenRoute(() => fromEnv());
 */
export function supabaseTokenRoute(
  options: LogtoSupabaseOptions | LogtoSupabase | (() => LogtoSupabaseOptions | LogtoSupabase),
): (request: Request) => Promise<Response> {
  let bridge = typeof options === 'function' ? undefined : tokenExchangeBridge(options);
  return async (request: Request) => {
    bridge ??= tokenExchangeBridge((options as () => LogtoSupabaseOptions | LogtoSupabase)());
    return replyToResponse(await answerTokenExchange(bridge, request.method, request));
  };
}

/**
 * The Logto webhook endpoint as an App Router route handler (Node or Edge runtime): verifies the
 * signature over the raw body (`request.arrayBuffer()`), hands the event to `sync` (e.g.
 * `createLogtoUserSync`), answers 204, or the `LogtoWebhookError` status. Pass `() => options`
 * to read the environment on the first request instead of at build time.
 *
 * @example
 * // app/webhooks/logto/route.ts
 * export const POST = logtoWebhookRoute(() => ({
 *   signingKey: process.env.LOGTO_WEBHOOK_SIGNING_KEY!,
 *   sync: createLogtoUserSync({ supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! } }),
 * }));
 *
 * @throws {LogtoSupabaseConfigError} without a `signingKey` or a `sync` (at start-up for fixed options).
 */
export function logtoWebhookRoute(
  options: LogtoWebhookHandlerOptions | (() => LogtoWebhookHandlerOptions),
): (request: Request) => Promise<Response> {
  let receive: WebhookReceiver | undefined = typeof options === 'function' ? undefined : logtoWebhookReceiver(options);
  return async (request: Request) => {
    receive ??= logtoWebhookReceiver((options as () => LogtoWebhookHandlerOptions)());
    return replyToResponse(await receive(request.arrayBuffer(), request.headers));
  };
}
