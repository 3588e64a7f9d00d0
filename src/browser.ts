/*
 * logto-supabase/browser: a supabase-js client for a single-page app, acting as the signed-in
 * Logto user. Web APIs only (fetch, Date): no jose, no `node:`, no Logto SDK; the app passes
 * `getAccessToken`, for example `@logto/react`'s `useLogto().getAccessToken(resource)`.
 */
import { createClient, type RealtimeClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { configError } from './core/errors.js';

/** Options of `createBrowserSupabaseClient`. */
export interface BrowserSupabaseOptions {
  /** The Supabase project URL. */
  url: string;
  /** The anon or `sb_publishable_…` key (sent as `apikey`, and as the bearer when nobody is signed in). */
  anonKey: string;
  /** The current Logto access token for your API resource; `null`/`undefined` when nobody is signed in. */
  getAccessToken: () => Promise<string | null | undefined>;
  /** Mint mode: your backend's token exchange (`supabaseTokenHandler`), absolute or relative. */
  tokenEndpoint?: string;
  /** `'mint'` (default): exchange the Logto token at `tokenEndpoint`; `'third-party'`: send it to Supabase as is. */
  mode?: 'mint' | 'third-party';
  /** Passed to supabase-js `createClient`; `accessToken` is the library's. */
  clientOptions?: SupabaseClientOptions<any>;
}

/**
 * The token exchange failed: the Supabase call that needed it fails with this error (supabase-js
 * reports it as `error.message` `"SupabaseTokenExchangeError: …"`), never silently as anon.
 */
export class SupabaseTokenExchangeError extends Error {
  override readonly name = 'SupabaseTokenExchangeError';
  readonly code = 'token_exchange_failed';

  constructor(
    /** The token endpoint as configured. */
    readonly endpoint: string,
    /** The HTTP status, or `null` when no answer came (network failure, CORS refusal). */
    readonly status: number | null,
    /** The endpoint's `error` code (e.g. `invalid_token`), when it sent one. */
    readonly error: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super(`Token exchange at ${endpoint} failed: ${detail}`, cause === undefined ? undefined : { cause });
  }
}

interface Exchanged {
  jwt: string;
  /** Local clock, ms: when to exchange again (60 s before expiry, or half-way for short lifetimes). */
  renewAt: number;
}

async function exchange(endpoint: string, logtoToken: string): Promise<Exchanged> {
  let response: Response;
  try {
    response = await fetch(endpoint, { method: 'POST', headers: { Authorization: `Bearer ${logtoToken}`, Accept: 'application/json' } });
  } catch (error) {
    throw new SupabaseTokenExchangeError(endpoint, null, undefined, `no response (${String(error)})`, error);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const { status } = response;
  if (!response.ok) {
    const code = typeof body.error === 'string' ? body.error : undefined;
    const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
    throw new SupabaseTokenExchangeError(endpoint, status, code, `HTTP ${status}${code ? ` ${code}` : ''}${description}`);
  }
  const { access_token: jwt, expires_in: lifetime } = body;
  if (typeof jwt !== 'string' || typeof lifetime !== 'number') {
    throw new SupabaseTokenExchangeError(endpoint, status, undefined, `HTTP ${status} without access_token and expires_in`);
  }
  // expires_in, not expires_at: the browser's clock may be off, the lifetime is not.
  return { jwt, renewAt: Date.now() + (lifetime - Math.min(60, lifetime / 2)) * 1000 };
}

/** The Supabase JWT for the current Logto token: one exchange shared by concurrent calls, kept until renewal. */
function exchangedToken(endpoint: string, getAccessToken: BrowserSupabaseOptions['getAccessToken']): () => Promise<string | null> {
  let current: { logtoToken: string; pending: Promise<Exchanged>; renewAt: number } | undefined;
  return async () => {
    const logtoToken = await getAccessToken();
    if (!logtoToken) {
      current = undefined;
      return null;
    }
    if (!current || current.logtoToken !== logtoToken || Date.now() >= current.renewAt) {
      const entry = { logtoToken, pending: exchange(endpoint, logtoToken), renewAt: Infinity };
      entry.pending.then(
        ({ renewAt }) => (entry.renewAt = renewAt),
        () => current === entry && (current = undefined),
      );
      current = entry;
    }
    return (await current.pending).jwt;
  };
}

/**
 * A supabase-js client for the browser that acts as the signed-in Logto user, so Row-Level
 * Security applies to PostgREST, Storage and Realtime. In mint mode it exchanges the Logto token
 * at your backend's `tokenEndpoint` and keeps the Supabase JWT until 60 s before it expires
 * (Realtime gets the renewed one on its next heartbeat); in third-party mode it sends the Logto
 * token itself. Nobody signed in: the anon key.
 *
 * @throws {LogtoSupabaseConfigError} when an option is missing (e.g. `tokenEndpoint` in mint mode).
 * @example
 * // logtoClient: @logto/browser's LogtoClient, or useLogto() from @logto/react
 * const supabase = createBrowserSupabaseClient({
 *   url: 'https://<project-ref>.supabase.co',
 *   anonKey: 'sb_publishable_…',
 *   getAccessToken: () => logtoClient.getAccessToken('https://api.example.com'),
 *   tokenEndpoint: '/api/supabase-token',
 * });
 * const { data: posts } = await supabase.from('posts').select('*');
 */
export function createBrowserSupabaseClient<Database = any>(options: BrowserSupabaseOptions): SupabaseClient<Database> {
  const { url, anonKey, getAccessToken, tokenEndpoint, mode = 'mint', clientOptions = {} } = options ?? ({} as BrowserSupabaseOptions);
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw configError('url', 'is required: your Supabase project URL.');
  if (typeof anonKey !== 'string' || anonKey === '') throw configError('anonKey', 'is required: the anon or sb_publishable_… key.');
  if (typeof getAccessToken !== 'function') {
    throw configError('getAccessToken', "is required: a function giving the Logto access token, e.g. () => logto.getAccessToken('https://api.example.com').");
  }
  if (mode !== 'mint' && mode !== 'third-party') throw configError('mode', 'must be "mint" or "third-party".');
  if (mode === 'mint' && (typeof tokenEndpoint !== 'string' || tokenEndpoint === '')) {
    throw configError('tokenEndpoint', 'is required in mint mode: the URL of your backend\'s supabaseTokenHandler, e.g. "/api/supabase-token".');
  }
  const accessToken =
    mode === 'mint' ? exchangedToken(tokenEndpoint!, getAccessToken) : async () => (await getAccessToken()) || null;
  const client = createClient<Database>(url, anonKey, { ...clientOptions, accessToken }) as unknown as SupabaseClient<Database>;
  keepRealtimeRefreshing(client.realtime);
  return client;
}

/**
 * supabase-js starts Realtime with `setAuth(token)`, which marks the token as set by hand and
 * turns off the per-heartbeat refresh, so a renewed JWT never reaches joined channels (fixed
 * upstream in supabase/supabase-js#2592). That first call goes through the `accessToken`
 * callback instead; later calls are the app's and pass through.
 */
function keepRealtimeRefreshing(realtime: RealtimeClient): void {
  const setAuth = realtime.setAuth.bind(realtime);
  let started = false;
  realtime.setAuth = (token) => {
    const first = !started;
    started = true;
    return setAuth(first ? null : token);
  };
}
