/**
 * The same API in Koa, with the Logto guide's shape: the middleware sets `ctx.auth` (the verified
 * Logto token) and `ctx.supabase` (a client acting as that user, so RLS decides).
 */
import Koa, { type Context, type Middleware } from 'koa';
import type { LogtoSupabaseOptions } from 'logto-supabase';
import { logtoSupabase, requireScopes } from 'logto-supabase/koa';
import { caller, isReply, parseNewPost, postColumns, supabaseFailure, type Reply } from '../shared/posts.js';

const send = (ctx: Context, { status, body }: Reply) => {
  ctx.status = status;
  ctx.body = body;
};

const listPosts: Middleware = async (ctx) => {
  const { data, error } = await ctx.supabase!.from('posts').select(postColumns).order('id');
  send(ctx, error ? supabaseFailure(error) : { status: 200, body: data });
};

const createPost: Middleware = async (ctx) => {
  const post = parseNewPost(await readJson(ctx));
  if (isReply(post)) return send(ctx, post);
  const { data, error } = await ctx.supabase!.from('posts').insert(post).select(postColumns).single();
  send(ctx, error ? supabaseFailure(error) : { status: 201, body: data });
};

const me: Middleware = async (ctx) => {
  const { data, error } = await ctx.supabase!.rpc('whoami');
  send(ctx, error ? supabaseFailure(error) : caller(ctx.auth, data));
};

export function createApp(options: LogtoSupabaseOptions): Koa {
  const app = new Koa();
  const authenticate = logtoSupabase(options);
  app.use(
    router({
      'GET /api/posts': [authenticate, listPosts],
      'POST /api/posts': [authenticate, requireScopes('write:posts'), createPost],
      'GET /api/me': [authenticate, me],
    }),
  );
  return app;
}

/** Runs the chain of `"METHOD /path"`; other requests fall through (404). Enough for three routes. */
function router(routes: Record<string, Middleware[]>): Middleware {
  return (ctx, next) => {
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    const run = async (index: number): Promise<void> => {
      await chain[index]?.(ctx, () => run(index + 1));
    };
    return run(0);
  };
}

const maxBodyBytes = 64 * 1024;

/** The JSON request body, or `undefined` when it is empty or not JSON (no body parser installed). */
async function readJson(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) ctx.throw(413, 'Request body too large.');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
