import type { SupabaseClient } from '@supabase/supabase-js';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
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

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified Logto token (`null` for an anonymous request in optional mode). */
      auth?: LogtoAuth | null;
      /** A Supabase client acting as the token's user (RLS applies), or the service role for allowlisted machines. */
      supabase?: SupabaseClient;
    }
  }
}

/** Options only the Express adapter has, beside the bridge's. */
export interface ExpressAdapterOptions {
  /** `'respond'` (default): answer auth failures here; `'next'`: hand them to `next(err)`. */
  onError?: 'respond' | 'next';
}

export type { LogtoAuth, LogtoSupabaseOptions, LogtoWebhookHandlerOptions };

function send(res: Response, { status, headers, body }: Reply): void {
  res.status(status).set(headers);
  if (body === undefined) res.end();
  else res.json(body);
}

const respond = (res: Response, error: LogtoAuthError) => send(res, authErrorReply(error));

/**
 * Express (4 and 5) middleware: verifies the Logto bearer token and sets `req.auth` and
 * `req.supabase`. Auth failures are answered with the RFC 6750 status, `WWW-Authenticate` and
 * a JSON body.
 *
 * @example
 * app.use('/api', logtoSupabase(fromEnv()));
 * app.get('/api/posts', async (req, res) => res.json((await req.supabase!.from('posts').select()).data));
 */
export function logtoSupabase(
  options: (LogtoSupabaseOptions & ExpressAdapterOptions) | LogtoSupabase,
  { onError = (options as ExpressAdapterOptions).onError ?? 'respond' }: ExpressAdapterOptions = {},
): RequestHandler {
  const authenticate = authenticatorFor(options);
  return (req: Request, res: Response, next: NextFunction) => {
    onAuthenticated(
      () => authenticate(req),
      ({ auth, supabase }) => {
        req.auth = auth;
        req.supabase = supabase;
        next();
      },
      (error) => {
        if (isLogtoAuthError(error) && onError === 'respond') respond(res, error);
        else next(error);
      },
    );
  };
}

/**
 * Middleware for one route: 403 `insufficient_scope` unless the token holds every scope.
 *
 * @example
 * app.post('/api/posts', requireScopes('write:posts'), createPost);
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      requireAuthScopes(req.auth, scopes);
      next();
    } catch (error) {
      if (isLogtoAuthError(error)) respond(res, error);
      else next(error);
    }
  };
}

/**
 * Error middleware answering a `LogtoAuthError` thrown by a handler (e.g. `assertScopes`) like a
 * verification failure; other errors go on to the next error handler.
 *
 * @example
 * app.use(logtoAuthErrorHandler());
 */
export function logtoAuthErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (isLogtoAuthError(error) && !res.headersSent) respond(res, error);
    else next(error);
  };
}

/**
 * The token endpoint for browsers (mint mode): `POST` with the Logto access token as Bearer →
 * the Supabase JWT (`access_token`, `expires_in`, `expires_at`), `Cache-Control: no-store`; auth
 * failures answered like the middleware. Mount it without `logtoSupabase()` in front.
 *
 * @throws {LogtoSupabaseConfigError} in third-party mode: the browser sends the Logto token itself.
 * @example
 * app.post('/api/supabase-token', supabaseTokenHandler(fromEnv()));
 */
export function supabaseTokenHandler(options: LogtoSupabaseOptions | LogtoSupabase): RequestHandler {
  const bridge = tokenExchangeBridge(options);
  return (req: Request, res: Response, next: NextFunction) => {
    answerTokenExchange(bridge, req.method, req).then((reply) => send(res, reply), next);
  };
}

const expressRawLine = "mount express.raw({ type: 'application/json' }) on the webhook route instead of express.json(), e.g. app.post('/webhooks/logto', express.raw({ type: 'application/json' }), logtoWebhookHandler(options)).";

/**
 * The Logto webhook endpoint: verifies the signature over the raw body, hands the event to
 * `sync` (e.g. `createLogtoUserSync`), answers 204, or the `LogtoWebhookError` status. Reads the
 * body itself, or takes the Buffer of `express.raw({ type: 'application/json' })`; if
 * `express.json()` parsed it first, it answers 500 naming that line.
 *
 * @example
 * import express from 'express';
 *
 * app.post('/webhooks/logto', express.raw({ type: 'application/json' }), logtoWebhookHandler({
 *   signingKey: process.env.LOGTO_WEBHOOK_SIGNING_KEY!,
 *   sync: createLogtoUserSync({ supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! } }),
 * }));
 *
 * @throws {LogtoSupabaseConfigError} at start-up, without a `signingKey` or a `sync`.
 */
export function logtoWebhookHandler(options: LogtoWebhookHandlerOptions): RequestHandler {
  const receive = logtoWebhookReceiver(options);
  return (req: Request, res: Response, next: NextFunction) => {
    const body: unknown = req.body;
    if (Buffer.isBuffer(body) || typeof body === 'string') receive(body, req.headers).then((reply) => send(res, reply), next);
    else if (req.readableEnded) send(res, bodyParsedReply(expressRawLine));
    else receive(req, req.headers).then((reply) => send(res, reply), next);
  };
}
