import type { SupabaseClient } from '@supabase/supabase-js';
import type { Context, Middleware, Next } from 'koa';
import type { LogtoSupabase, LogtoSupabaseOptions } from '../bridge.js';
import {
  answerTokenExchange,
  authErrorReply,
  bodyParsedReply,
  logtoWebhookReceiver,
  requireAuthScopes,
  tokenExchangeBridge,
  type LogtoWebhookHandlerOptions,
  authenticatorFor,
  onAuthenticated,
  type Reply,
} from './shared.js';
import type { LogtoAuth } from '../core/auth.js';
import { isLogtoAuthError, type LogtoAuthError } from '../core/errors.js';

/** What the middleware adds to `ctx` and `ctx.state`. */
export interface LogtoSupabaseContext {
  /** The verified Logto token (`null` for an anonymous request in optional mode). */
  auth?: LogtoAuth | null;
  /** A Supabase client acting as the token's user (RLS applies), or the service role for allowlisted machines. */
  supabase?: SupabaseClient;
}

declare module 'koa' {
  interface DefaultContext extends LogtoSupabaseContext {}
  interface DefaultState extends LogtoSupabaseContext {}
}

export type { LogtoAuth, LogtoSupabaseOptions, LogtoWebhookHandlerOptions };

function send(ctx: Context, { status, headers, body }: Reply): void {
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body ?? null;
}

const respond = (ctx: Context, error: LogtoAuthError) => send(ctx, authErrorReply(error));

/** Answers a `LogtoAuthError`; other errors propagate. */
function answerAuthError(ctx: Context, error: unknown): void {
  if (!isLogtoAuthError(error)) throw error;
  respond(ctx, error);
}

/** Runs the rest of the chain, answering a `LogtoAuthError` it throws. */
const continueAnsweringAuthErrors = (ctx: Context, next: Next): Promise<void> => next().catch((error: unknown) => answerAuthError(ctx, error));

/**
 * Koa (2 and 3) middleware: verifies the Logto bearer token and sets `ctx.auth`, `ctx.supabase`
 * (the names of the Logto guide) and `ctx.state.auth`, `ctx.state.supabase`. A `LogtoAuthError`
 * thrown downstream (e.g. by `assertScopes`) is answered the same way as a failed verification.
 *
 * @example
 * app.use(logtoSupabase(fromEnv()));
 * router.get('/posts', async (ctx) => { ctx.body = (await ctx.supabase!.from('posts').select()).data; });
 */
export function logtoSupabase(options: LogtoSupabaseOptions | LogtoSupabase): Middleware {
  const authenticate = authenticatorFor(options);
  return (ctx: Context, next: Next) =>
    onAuthenticated(
      () => authenticate(ctx.req),
      ({ auth, supabase }) => {
        ctx.auth = ctx.state.auth = auth;
        ctx.supabase = ctx.state.supabase = supabase;
        return continueAnsweringAuthErrors(ctx, next);
      },
      (error) => answerAuthError(ctx, error),
    );
}

/**
 * Middleware for one route: 403 `insufficient_scope` unless the token holds every scope.
 *
 * @example
 * router.post('/posts', requireScopes('write:posts'), createPost);
 */
export function requireScopes(...scopes: string[]): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      requireAuthScopes(ctx.auth, scopes);
    } catch (error) {
      return answerAuthError(ctx, error);
    }
    return continueAnsweringAuthErrors(ctx, next);
  };
}

/**
 * The token endpoint for browsers (mint mode): `POST` with the Logto access token as Bearer →
 * the Supabase JWT (`access_token`, `expires_in`, `expires_at`), `Cache-Control: no-store`; auth
 * failures answered like the middleware. Mount it without `logtoSupabase()` in front.
 *
 * @throws {LogtoSupabaseConfigError} in third-party mode: the browser sends the Logto token itself.
 * @example
 * router.post('/api/supabase-token', supabaseTokenHandler(fromEnv()));
 */
export function supabaseTokenHandler(options: LogtoSupabaseOptions | LogtoSupabase): Middleware {
  const bridge = tokenExchangeBridge(options);
  return async (ctx: Context) => send(ctx, await answerTokenExchange(bridge, ctx.method, ctx.req));
}

const koaRawLine = 'mount the webhook route before your body parser, or use koa-bodyparser / @koa/bodyparser, which keep ctx.request.rawBody.';

/**
 * The Logto webhook endpoint: verifies the signature over the raw body, hands the event to
 * `sync` (e.g. `createLogtoUserSync`), answers 204, or the `LogtoWebhookError` status. Reads
 * `ctx.req` itself, or `ctx.request.rawBody` when koa-bodyparser ran first; a body parsed
 * without its raw bytes is answered 500 naming the fix.
 *
 * @example
 * router.post('/webhooks/logto', logtoWebhookHandler({
 *   signingKey: process.env.LOGTO_WEBHOOK_SIGNING_KEY!,
 *   sync: createLogtoUserSync({ supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! } }),
 * }));
 *
 * @throws {LogtoSupabaseConfigError} at start-up, without a `signingKey` or a `sync`.
 */
export function logtoWebhookHandler(options: LogtoWebhookHandlerOptions): Middleware {
  const receive = logtoWebhookReceiver(options);
  return async (ctx: Context) => {
    const { rawBody, body } = ctx.request as { rawBody?: unknown; body?: unknown };
    if (typeof rawBody === 'string') send(ctx, await receive(rawBody, ctx.headers));
    else if (body !== undefined || ctx.req.readableEnded) send(ctx, bodyParsedReply(koaRawLine));
    else send(ctx, await receive(ctx.req, ctx.headers));
  };
}
