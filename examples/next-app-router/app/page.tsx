import { getLogtoContext, signIn, signOut } from '@logto/next/server-actions';
import { supabaseErrorReply } from 'logto-supabase';
import { createSupabaseClientForLogtoContext } from 'logto-supabase/next';
import { getLogtoConfig, getOptions } from '../lib/config';

// Per-user page: read the session cookie on every request.
export const dynamic = 'force-dynamic';

interface Post {
  id: number;
  title: string;
}

export default async function Home() {
  const context = await getLogtoContext(getLogtoConfig());

  if (!context.isAuthenticated) {
    return (
      <main>
        <h1>Posts</h1>
        <p>Sign in with Logto to see your posts.</p>
        <form
          action={async () => {
            'use server';
            await signIn(getLogtoConfig());
          }}
        >
          <button type="submit" data-testid="sign-in">
            Sign in
          </button>
        </form>
      </main>
    );
  }

  // The seed's "Traditional web app": the server knows the user (`claims.sub`), the library mints
  // the Supabase JWT for them, and Row-Level Security decides which rows come back.
  const supabase = createSupabaseClientForLogtoContext(context, getOptions());
  const { data, error } = await supabase.from('posts').select('id, title').order('id');
  const posts = (data ?? []) as Post[];
  // The details name tables and policies: they go to the server's log, the page says what to do.
  if (error) console.error('supabase error:', error);

  return (
    <main>
      <h1>Posts</h1>
      <p>
        Signed in as <code data-testid="user-id">{context.claims?.sub}</code>
      </p>
      {error ? (
        <p role="alert" data-testid="error">
          {supabaseErrorReply(error).body.error_description}
        </p>
      ) : (
        <ul>
          {posts.map((post) => (
            <li key={post.id} data-testid="post">
              {post.title}
            </li>
          ))}
        </ul>
      )}
      <form
        action={async () => {
          'use server';
          await signOut(getLogtoConfig(), getLogtoConfig().baseUrl);
        }}
      >
        <button type="submit" data-testid="sign-out">
          Sign out
        </button>
      </form>
    </main>
  );
}
