/**
 * The same API in Fastify (4 or 5): the plugin, registered in the `/api` scope, sets
 * `request.auth` (the verified Logto token) and `request.supabase` (a client acting as that user,
 * so RLS decides); `requireScopes` guards the write route as its `preHandler`.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { LogtoSupabaseOptions } from 'logto-supabase';
import { logtoSupabase, requireScopes } from 'logto-supabase/fastify';
import { caller, isReply, parseNewPost, postColumns, supabaseFailure, type Reply } from '../shared/posts.js';

const send = (reply: FastifyReply, { status, body }: Reply) => reply.code(status).send(body);

export async function createApp(options: LogtoSupabaseOptions): Promise<FastifyInstance> {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(
    async (api) => {
      await api.register(logtoSupabase, options);

      api.get('/posts', async (request, reply) => {
        const { data, error } = await request.supabase!.from('posts').select(postColumns).order('id');
        return send(reply, error ? supabaseFailure(error) : { status: 200, body: data });
      });

      api.post('/posts', { preHandler: requireScopes('write:posts') }, async (request, reply) => {
        const post = parseNewPost(request.body);
        if (isReply(post)) return send(reply, post);
        const { data, error } = await request.supabase!.from('posts').insert(post).select(postColumns).single();
        return send(reply, error ? supabaseFailure(error) : { status: 201, body: data });
      });

      api.get('/me', async (request, reply) => {
        const { data, error } = await request.supabase!.rpc('whoami');
        return send(reply, error ? supabaseFailure(error) : caller(request.auth, data));
      });
    },
    { prefix: '/api' },
  );
  await app.ready();
  return app;
}
