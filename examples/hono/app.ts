/**
 * The same API in Hono, on Web APIs only: it deploys unchanged to Cloudflare Workers (secrets
 * from `c.env`, see wrangler.toml) and runs on Node through node.ts.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { fromEnv, type Env as EnvironmentVariables } from 'logto-supabase';
import { logtoSupabase, requireScopes, type LogtoSupabaseVariables } from 'logto-supabase/hono';
import { caller, isReply, parseNewPost, postColumns, supabaseFailure, type Reply } from '../shared/posts.js';

/** Workers bindings (vars and secrets) or, on Node, the variables node.ts passes: what `fromEnv` reads. */
type AppEnv = { Bindings: EnvironmentVariables; Variables: LogtoSupabaseVariables };

const send = (c: Context<AppEnv>, { status, body }: Reply) => c.json(body, status as ContentfulStatusCode);

const app = new Hono<AppEnv>();

// Options are read per request from c.env; the bridge behind them is built once and reused.
app.use('/api/*', logtoSupabase<AppEnv>((c) => fromEnv(c.env)));

app.get('/api/posts', async (c) => {
  const { data, error } = await c.get('supabase').from('posts').select(postColumns).order('id');
  return send(c, error ? supabaseFailure(error) : { status: 200, body: data });
});

app.post('/api/posts', requireScopes('write:posts'), async (c) => {
  const post = parseNewPost(await c.req.json().catch(() => undefined));
  if (isReply(post)) return send(c, post);
  const { data, error } = await c.get('supabase').from('posts').insert(post).select(postColumns).single();
  return send(c, error ? supabaseFailure(error) : { status: 201, body: data });
});

app.get('/api/me', async (c) => {
  const { data, error } = await c.get('supabase').rpc('whoami');
  return send(c, error ? supabaseFailure(error) : caller(c.get('auth'), data));
});

export default app;
