import type { SupabaseClient } from '@supabase/supabase-js';
import type {
  FastifyError,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
  RouteHandlerMethod,
  RouteOptions,
} from 'fastify';
import type { LogtoSupabase, LogtoSupabaseOptions } from '../bridge.js';
import {
  answerTokenExchange,
  authenticatorFor,
  authErrorReply,
  logtoWebhookReceiver,
  onAuthenticated,
  requireAuthScopes,
  tokenExchangeBridge,
  type LogtoWebhookHandlerOptions,
  type Reply,
} from './shared.js';
import type { LogtoAuth } from '../core/auth.js';
import { isLogtoAuthError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified Logto token (`null` for an anonymous request in optional mode, and outside the plugin's scope). */
    auth: LogtoAuth | null;
    /** A Supabase client acting as the token's user (RLS applies), or the service role for allowlisted machines; `null` outside the plugin's scope. */
    supabase: SupabaseClient | null;
  }
}

/** What `app.register(logtoSupabase, options)` takes: the `createLogtoSupabase` options, or a bridge. */
export type FastifyLogtoSupabaseOptions = LogtoSupabaseOptions | LogtoSupabase;

export type { LogtoAuth, LogtoSupabaseOptions, LogtoWebhookHandlerOptions };

function send(reply: FastifyReply, { status, headers, body }: Reply): FastifyReply {
  return reply.code(status).headers(headers).send(body);
}

/** Runs `check`; a `LogtoAuthError` is answered (and the reply returned, so Fastify stops), others propagate. */
async function answeringAuthErrors(reply: FastifyReply, check: () => unknown): Promise<FastifyReply | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    if (!isLogtoAuthError(error)) throw error;
    return send(reply, authErrorReply(error));
  }
}

type RouteErrorHandler = NonNullable<RouteOptions['errorHandler']>;

/**
 * A route's error handler that answers a `LogtoAuthError` (e.g. `assertScopes` in a handler) and
 * hands every other error on: to the route's own handler, or by rethrowing to the scope's (the
 * app's `setErrorHandler`, or Fastify's default), which is how Fastify chains error handlers.
 */
function answeringThrownAuthErrors(own: RouteErrorHandler | undefined): RouteErrorHandler {
  return function (this: unknown, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (isLogtoAuthError(error)) return send(reply, authErrorReply(error));
    if (own) return own.call(this as never, error, request, reply);
    throw error;
  } as RouteErrorHandler;
}

const plugin: FastifyPluginAsync<FastifyLogtoSupabaseOptions> = async (fastify, options) => {
  const authenticate = authenticatorFor(options);
  // `null`: Fastify 5 refuses reference types as request decorators (they would be shared by every request).
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', null);
  if (!fastify.hasRequestDecorator('supabase')) fastify.decorateRequest('supabase', null);
  // Callback style: a cached token goes on in this same tick, without a promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    onAuthenticated(
      () => authenticate(request.raw),
      ({ auth, supabase }) => {
        request.auth = auth;
        request.supabase = supabase;
        done();
      },
      (error) => {
        if (isLogtoAuthError(error)) send(reply, authErrorReply(error));
        else done(error as Error);
      },
    );
  });
  // A route-level error handler, not `setErrorHandler`: the app's own error handler stays in place
  // (Fastify 5 warns, or throws, when a scope's error handler is set twice).
  fastify.addHook('onRoute', (route) => {
    route.errorHandler = answeringThrownAuthErrors(route.errorHandler);
  });
};

/**
 * Fastify (4 and 5) plugin: verifies the Logto bearer token of every request in the scope it is
 * registered in and sets `request.auth` and `request.supabase`. Like a `fastify-plugin` plugin it
 * skips encapsulation, so it applies to the scope that registers it (and that scope's children).
 * Auth failures, and a `LogtoAuthError` thrown by a route registered after it (e.g. by
 * `assertScopes`), are answered with the RFC 6750 status, `WWW-Authenticate` and a JSON body.
 *
 * @example
 * await app.register(async (api) => {
 *   await api.register(logtoSupabase, fromEnv());
 *   api.get('/posts', async (request) => (await request.supabase!.from('posts').select()).data);
 * }, { prefix: '/api' });
 */
export const logtoSupabase: FastifyPluginAsync<FastifyLogtoSupabaseOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'logto-supabase',
  [Symbol.for('plugin-meta')]: { name: 'logto-supabase', fastify: '4.x || 5.x' },
});

/**
 * A route's `preHandler`: 403 `insufficient_scope` unless the token holds every scope.
 *
 * @example
 * app.post('/api/posts', { preHandler: requireScopes('write:posts') }, async (request) =>
 *   (await request.supabase!.from('posts').insert({ title: 'Hello' }).select()).data);
 */
export function requireScopes(...scopes: string[]): preHandlerAsyncHookHandler {
  return (request, reply) => answeringAuthErrors(reply, () => requireAuthScopes(request.auth, scopes));
}

/**
 * The token endpoint for browsers (mint mode): `POST` with the Logto access token as Bearer →
 * the Supabase JWT (`access_token`, `expires_in`, `expires_at`), `Cache-Control: no-store`; auth
 * failures answered like the plugin. Declare it outside the plugin's scope (it verifies the token itself).
 *
 * @throws {LogtoSupabaseConfigError} in third-party mode: the browser sends the Logto token itself.
 * @example
 * app.post('/api/supabase-token', supabaseTokenHandler(fromEnv()));
 */
export function supabaseTokenHandler(options: FastifyLogtoSupabaseOptions): RouteHandlerMethod {
  const bridge = tokenExchangeBridge(options);
  return async (request, reply) => send(reply, await answerTokenExchange(bridge, request.method, request.raw));
}

/**
 * The Logto webhook endpoint: verifies the signature over the raw body, hands the event to
 * `sync` (e.g. `createLogtoUserSync`), answers 204, or the `LogtoWebhookError` status. Route
 * options, not a bare handler: the delivery is read and answered in the route's `onRequest`, before
 * any content-type parser touches the body, so no parser setting is needed. Declare it outside
 * the plugin's scope (Logto sends no bearer token).
 *
 * @example
 * app.post('/webhooks/logto', logtoWebhookHandler({
 *   signingKey: process.env.LOGTO_WEBHOOK_SIGNING_KEY!,
 *   sync: createLogtoUserSync({ supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! } }),
 * }));
 *
 * @throws {LogtoSupabaseConfigError} at start-up, without a `signingKey` or a `sync`.
 */
export function logtoWebhookHandler(options: LogtoWebhookHandlerOptions): { onRequest: onRequestAsyncHookHandler; handler: RouteHandlerMethod } {
  const receive = logtoWebhookReceiver(options);
  const answer = async (request: FastifyRequest, reply: FastifyReply) => send(reply, await receive(request.raw, request.headers));
  // Fastify needs a handler; `onRequest` always answers first, so it is the same function.
  return { onRequest: answer, handler: answer };
}
