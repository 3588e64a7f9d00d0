import { supabaseErrorReply } from 'logto-supabase';
import { withLogtoSupabase } from 'logto-supabase/next';
import { getOptions } from '../../../lib/config';

export const dynamic = 'force-dynamic';

/**
 * A Bearer-token API in the same app (for SPAs, mobile apps and other services): the Logto access
 * token for the API resource is verified, and the query runs as its user under RLS.
 * `() => options` reads the environment on the first request, not at build time.
 */
export const GET = withLogtoSupabase(
  () => ({ ...getOptions(), logto: { ...getOptions().logto, requiredScopes: ['read:posts'] } }),
  async (_request, { auth, supabase }) => {
    const { data, error } = await supabase.from('posts').select('id, title, user_id').order('id');
    if (error) {
      console.error('supabase error:', error); // the details name tables and policies: keep them in the logs
      const { status, body } = supabaseErrorReply(error);
      return Response.json(body, { status });
    }
    return Response.json({ userId: auth?.userId ?? null, posts: data });
  },
);
