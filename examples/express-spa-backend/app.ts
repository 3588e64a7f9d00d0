/**
 * The backend of the Logto guide's "Native app or SPA" section: the SPA sends its Logto access
 * token; this API verifies it and queries Supabase as that user, so RLS decides what they see.
 */
import cors from 'cors';
import express, { type ErrorRequestHandler, type Response } from 'express';
import type { LogtoSupabaseOptions } from 'logto-supabase';
import { logtoAuthErrorHandler, logtoSupabase, requireScopes, supabaseTokenHandler } from 'logto-supabase/express';
import { caller, isReply, parseNewPost, postColumns, supabaseFailure, type Reply } from '../shared/posts.js';

const send = (res: Response, { status, body }: Reply) => void res.status(status).json(body);

export interface AppOptions {
  /** Browser origins allowed to call the API (CORS), e.g. the SPA's `http://localhost:5173`. */
  corsOrigins?: string[];
}

export function createApp(options: LogtoSupabaseOptions, { corsOrigins = [] }: AppOptions = {}): express.Express {
  const app = express();
  // Only the listed origins; the browser sends the Logto token in Authorization, never a cookie.
  if (corsOrigins.length > 0) app.use(cors({ origin: corsOrigins, allowedHeaders: ['authorization', 'content-type'], maxAge: 600 }));
  app.use(express.json());
  // The SPA's token exchange: its Logto token for a Supabase JWT it uses with supabase-js directly
  // (logto-supabase/browser). Mounted before the /api middleware, which it does not need.
  app.post('/api/supabase-token', supabaseTokenHandler(options));
  // Auth failures go to next(err), answered by logtoAuthErrorHandler() below with status, WWW-Authenticate and JSON.
  app.use('/api', logtoSupabase(options, { onError: 'next' }));

  app.get('/api/posts', async (req, res) => {
    const { data, error } = await req.supabase!.from('posts').select(postColumns).order('id');
    if (error) return send(res, supabaseFailure(error));
    res.json(data);
  });

  app.post('/api/posts', requireScopes('write:posts'), async (req, res) => {
    const post = parseNewPost(req.body);
    if (isReply(post)) return send(res, post);
    const { data, error } = await req.supabase!.from('posts').insert(post).select(postColumns).single();
    if (error) return send(res, supabaseFailure(error));
    res.status(201).json(data);
  });

  app.get('/api/me', async (req, res) => {
    const { data, error } = await req.supabase!.rpc('whoami');
    if (error) return send(res, supabaseFailure(error));
    send(res, caller(req.auth, data));
  });

  app.use(logtoAuthErrorHandler());
  app.use(((error: { status?: number; expose?: boolean; message?: string }, _req, res, _next) => {
    // body-parser's errors (malformed JSON, too large) carry a client status and a message safe to show.
    if (error.expose && error.status) return send(res, { status: error.status, body: { error: 'invalid_request', error_description: error.message } });
    console.error(error);
    send(res, { status: 500, body: { error: 'server_error', error_description: 'The request could not be completed.' } });
  }) satisfies ErrorRequestHandler);
  return app;
}
