/**
 * A React SPA that signs in with Logto (@logto/react) and talks to Supabase straight from the
 * browser as the signed-in user: `createBrowserSupabaseClient` exchanges the Logto access token
 * at the backend's token endpoint for a Supabase JWT, so Row-Level Security decides what comes
 * back, and Realtime channels join with that JWT.
 */
import { LogtoProvider, useHandleSignInCallback, useLogto, type LogtoConfig } from '@logto/react';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { createBrowserSupabaseClient } from 'logto-supabase/browser';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { SpaConfig } from './config.js';

interface Post {
  id: number;
  user_id: string;
  title: string;
}

export function App({ config }: { config: SpaConfig }) {
  const logtoConfig: LogtoConfig = {
    endpoint: config.logtoEndpoint,
    appId: config.appId,
    // Ask for the API resource: Logto then issues JWT access tokens the backend can verify.
    resources: [config.resource],
    scopes: ['read:posts', 'write:posts'],
  };
  return (
    <LogtoProvider config={logtoConfig}>
      {window.location.pathname === '/callback' ? <Callback /> : <Home config={config} />}
    </LogtoProvider>
  );
}

function Callback() {
  useHandleSignInCallback(() => window.location.replace('/'));
  return <p>Signing in…</p>;
}

function Home({ config }: { config: SpaConfig }) {
  const logto = useLogto();
  const { isAuthenticated, signIn, signOut } = logto;
  // @logto/react flips isLoading around every call; wait only for the first check of the session.
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!logto.isLoading) setReady(true);
  }, [logto.isLoading]);

  return (
    <main>
      <h1>Posts</h1>
      {!ready ? (
        <p>Loading…</p>
      ) : (
        <>
          {isAuthenticated ? (
            <button data-testid="sign-out" onClick={() => void signOut(window.location.origin)}>
              Sign out
            </button>
          ) : (
            <button data-testid="sign-in" onClick={() => void signIn(`${window.location.origin}/callback`)}>
              Sign in
            </button>
          )}
          <Posts key={String(isAuthenticated)} config={config} />
        </>
      )}
    </main>
  );
}

/** The Logto access token for the API, or null when nobody is signed in. */
function useAccessToken(resource: string): () => Promise<string | null> {
  const logto = useLogto();
  const latest = useRef(logto);
  latest.current = logto;
  return useCallback(async () => (latest.current.isAuthenticated ? ((await latest.current.getAccessToken(resource)) ?? null) : null), [resource]);
}

function Posts({ config }: { config: SpaConfig }) {
  const { isAuthenticated } = useLogto();
  const getAccessToken = useAccessToken(config.resource);
  const supabase: SupabaseClient = useMemo(
    () =>
      createBrowserSupabaseClient({
        url: config.supabaseUrl,
        anonKey: config.supabaseAnonKey,
        getAccessToken,
        tokenEndpoint: config.tokenEndpoint,
        clientOptions: { realtime: { heartbeatIntervalMs: config.realtimeHeartbeatMs } },
      }),
    [config, getAccessToken],
  );
  const [posts, setPosts] = useState<Post[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [realtime, setRealtime] = useState('not joined');
  const [feed, setFeed] = useState<string[]>([]);
  const channel = useRef<RealtimeChannel | null>(null);

  const load = useCallback(async () => {
    const { data, error, status } = await supabase.from('posts').select('id, user_id, title').order('id');
    setError(error ? `${status} ${error.code}: ${error.message}` : null);
    setPosts(data ?? []);
  }, [supabase]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (!isAuthenticated) return undefined;
    let left = false;
    void (async () => {
      // Hand Realtime the exchanged JWT first, so the join carries it.
      await supabase.realtime.setAuth();
      if (left) return;
      channel.current = supabase
        .channel('posts-feed', { config: { broadcast: { self: true } } })
        .on('broadcast', { event: 'post-added' }, ({ payload }) => setFeed((items) => [...items, String(payload.title)]))
        .subscribe((status, failure) => setRealtime(failure ? `${status}: ${failure.message}` : status));
    })();
    return () => {
      left = true;
      if (channel.current) void supabase.removeChannel(channel.current);
    };
  }, [supabase, isAuthenticated]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const { error, status } = await supabase.from('posts').insert({ title }).select('id').single();
    if (error) return setError(`${status} ${error.code}: ${error.message}`);
    await channel.current?.send({ type: 'broadcast', event: 'post-added', payload: { title } });
    setTitle('');
    await load();
  };

  const remove = async (id: number) => {
    const { error, status } = await supabase.from('posts').delete().eq('id', id);
    if (error) return setError(`${status} ${error.code}: ${error.message}`);
    await load();
  };

  return (
    <section>
      {error && <p data-testid="error">{error}</p>}
      <ul>
        {posts.map((post) => (
          <li key={post.id}>
            <span data-testid="post">{post.title}</span>{' '}
            <button data-testid="delete-post" onClick={() => void remove(post.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {isAuthenticated && (
        <form onSubmit={(event) => void add(event)}>
          <input data-testid="new-title" value={title} onChange={(event) => setTitle(event.target.value)} placeholder="New post" />
          <button data-testid="add-post" type="submit" disabled={title === ''}>
            Add
          </button>
        </form>
      )}
      <p>
        Realtime: <span data-testid="realtime-status">{realtime}</span>
      </p>
      <ul>
        {feed.map((item, index) => (
          <li key={index} data-testid="feed-item">
            {item}
          </li>
        ))}
      </ul>
    </section>
  );
}
