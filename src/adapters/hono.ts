import type { SupabaseClient } from '@supabase/supabase-js';
import type { Context, Env, Handler, MiddlewareHandler, Next } from 'hono';
import type { LogtoSupabase, LogtoSupabaseOptions } from '../bridge.js';
import {
  answerTokenExchange,
  logtoWebhookReceiver,
  replyToResponse,
  requireAuthScopes,
  tokenExchangeBridge,
  type LogtoWebhookHandlerOptions,
  authenticatorFor,
  onAuthenticated,
} from './shared.js';
import type { LogtoAuth } from '../core/auth.js';
import { isLogtoAuthError } from '../core/errors.js';

/** The context variables the middleware sets: `c.get('auth')`, `c.get('supabase')`. */
export type LogtoSupabaseVariables = {
  /** The verified Logto token (`null` for an anonymous request in optional mode). */
  auth: LogtoAuth | null;
  /** A Supabase client acting as the token's user (RLS applies), or the service role for allowlisted machines. */
  supabase: SupabaseClient;
};

/** A Hono `Env` with the middleware's variables, for `new Hono<LogtoSupabaseEnv>()`. */
export type LogtoSupabaseEnv = { Variables: LogtoSupabaseVariables };

/** Options, a bridge, or a function of the context (so secrets can come from `c.env` on Workers). */
export type HonoLogtoSupabaseOptions<E extends Env = Env> =
  | LogtoSupabaseOptions
  | LogtoSupabase
  | ((c: Context<E>) => LogtoSupabaseOptions | LogtoSupabase);

export type { LogtoAuth, LogtoSupabaseOptions, LogtoWebhookHandlerOptions };

/** A `LogtoAuthError` as its response; other errors propagate. */
function authErrorResponse(error: unknown): Response {
  if (!isLogtoAuthError(error)) throw error;
  return error.toResponse();
}

/** Runs the rest of the chain, answering a `LogtoAuthError` it throws or Hono kept on the context. */
async function continueAnsweringAuthErrors(c: Context, next: Next): Promise<Response | void> {
  try {
    await next();
  } catch (error) {
    return authErrorResponse(error);
  }
  // Hono catches handler errors itself and keeps them on the context.
  if (isLogtoAuthError(c.error)) {
    const { error } = c;
    c.error = undefined;
    c.res = error.toResponse();
  }
}

/**
 * Hono middleware (Web APIs only: Node, Bun, Deno, Workers): verifies the Logto bearer token and
 * sets `c.get('auth')` and `c.get('supabase')`.
 *
 * @example
 * import { Hono } from 'hono';
 * import { fromEnv } from 'logto-supabase';
 *
 * const app = new Hono<LogtoSupabaseEnv>();
 * app.use('/api/*', logtoSupabase((c) => fromEnv(c.env))); // Workers bindings; process.env on Node
 * app.get('/api/posts', async (c) => c.json((await c.get('supabase').from('posts').select()).data));
 */
export function logtoSupabase<E extends Env = Env>(
  options: HonoLogtoSupabaseOptions<E>,
): MiddlewareHandler<E & { Variables: LogtoSupabaseVariables }> {
  const fixed = typeof options === 'function' ? undefined : authenticatorFor(options);
  const perRequest = options as (c: Context<E>) => LogtoSupabaseOptions | LogtoSupabase;
  return async (c, next) =>
    onAuthenticated(
      () => (fixed ?? authenticatorFor(perRequest(c as Context<E>)))(c.req.raw),
      ({ auth, supabase }) => {
        c.set('auth', auth);
        c.set('supabase', supabase);
        return continueAnsweringAuthErrors(c, next);
      },
      authErrorResponse,
    );
}

/**
 * Middleware for one route: 403 `insufficient_scope` unless the token holds every scope.
 *
 * @example
 * app.post('/api/posts', requireScopes('write:posts'), createPost);
 */
export function requireScopes<E extends Env = Env>(...scopes: string[]): MiddlewareHandler<E & { Variables: LogtoSupabaseVariables }> {
  return async (c, next) => {
    try {
      requireAuthScopes(c.get('auth'), scopes);
    } catch (error) {
      return authErrorResponse(error);
    }
    return continueAnsweringAuthErrors(c, next);
  };
}

/**
 * The token endpoint for browsers (mint mode): `POST` with the Logto access token as Bearer →
 * the Supabase JWT (`access_token`, `expires_in`, `expires_at`), `Cache-Control: no-store`; auth
 * failures answered like the middleware. Options may be a function of the context (Workers).
 *
 * @throws {LogtoSupabaseConfigError} in third-party mode (on the first request when options are
 * a function): the browser sends the Logto token itself.
 * @example
 * app.post('/api/supabase-token', supabaseTokenHandler((c) => fromEnv(c.env)));
 */
export function supabaseTokenHandler<E extends Env = Env>(options: HonoLogtoSupabaseOptions<E>): Handler<E> {
  const fixed = typeof options === 'function' ? undefined : tokenExchangeBridge(options);
  return async (c) => {
    const bridge = fixed ?? tokenExchangeBridge((options as (c: Context<E>) => LogtoSupabaseOptions | LogtoSupabase)(c));
    return replyToResponse(await answerTokenExchange(bridge, c.req.method, c.req.raw));
  };
}

/**
 * The Logto webhook endpoint (Web APIs only): verifies the signature over the raw body, hands
 * the event to `sync` (e.g. `createLogtoUserSync`), answers 204, or the `LogtoWebhookError`
 * status. Pass `(c) => options` to read the signing key from `c.env` on Workers.
 *
 * @example
 * import { Hono } from 'hono';
 *
 * type Bindings = { LOGTO_WEBHOOK_SIGNING_KEY: string; SUPABASE_URL: string; SUPABASE_SERVICE_ROLE_KEY: string };
 * const webhooks = new Hono<{ Bindings: Bindings }>();
 * webhooks.post('/webhooks/logto', logtoWebhookHandler<{ Bindings: Bindings }>((c) => ({
 *   signingKey: c.env.LOGTO_WEBHOOK_SIGNING_KEY,
 *   sync: createLogtoUserSync({ supabase: { url: c.env.SUPABASE_URL, serviceRoleKey: c.env.SUPABASE_SERVICE_ROLE_KEY } }),
 * })));
 *
 * @throws {LogtoSupabaseConfigError} without a `signingKey` or a `sync` (at start-up for fixed options).
 */
export function logtoWebhookHandler<E extends Env = Env>(
  options: LogtoWebhookHandlerOptions | ((c: Context<E>) => LogtoWebhookHandlerOptions),
): Handler<E> {
  const fixed = typeof options === 'function' ? undefined : logtoWebhookReceiver(options);
  return async (c) => {
    const receive = fixed ?? logtoWebhookReceiver((options as (c: Context<E>) => LogtoWebhookHandlerOptions)(c));
    return replyToResponse(await receive(c.req.arrayBuffer(), c.req.raw.headers));
  };
}
