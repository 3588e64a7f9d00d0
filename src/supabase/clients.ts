import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { configError, LogtoAuthError } from '../core/errors.js';
import { cachedSupabaseJwt } from './jwt-cache.js';
import { isBrowser, supabaseKeyKind } from './keys.js';
import { checkKeyText, checkSupabaseUrl, resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from './options.js';
import { authOf, type SubjectOrAuth } from './sign.js';

// supabase-js's generics change between versions; the schema name is the caller's to choose.
type ClientOptions = SupabaseClientOptions<any>;

/** createClient with the library's options, typed for the caller's `Database`. */
const makeClient = <Database>(url: string, key: string, options: ClientOptions) =>
  createClient<Database>(url, key, options) as unknown as SupabaseClient<Database>;
type Transport = NonNullable<NonNullable<ClientOptions['realtime']>['transport']>;

/**
 * Stands in for a WebSocket where the runtime has none (Node 20): supabase-js >= 2.110 refuses to
 * construct without one, though only Realtime needs it.
 */
class MissingWebSocket {
  constructor() {
    throw configError(
      'clientOptions.realtime.transport',
      'Realtime needs a WebSocket and this runtime has none (Node.js < 22): install "ws" and pass clientOptions: { realtime: { transport: WebSocket } }.',
    );
  }
}

/** The client options the library forces: no session storage, no refresh timer, no URL parsing. */
function serverClientOptions(clientOptions: ClientOptions, accessToken: (() => Promise<string>) | undefined): ClientOptions {
  const { accessToken: _ignored, ...rest } = clientOptions;
  const hasWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
  const transport = clientOptions.realtime?.transport ?? (hasWebSocket ? undefined : (MissingWebSocket as unknown as Transport));
  return {
    ...rest,
    auth: { ...clientOptions.auth, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: transport ? { ...clientOptions.realtime, transport } : { ...clientOptions.realtime },
    ...(accessToken ? { accessToken } : {}),
  };
}

/** Where a user client's bearer comes from: a minted JWT, or the Logto token itself. */
function userAccessToken(subjectOrAuth: SubjectOrAuth, options: ResolvedSupabaseOptions): () => Promise<string> {
  const auth = authOf(subjectOrAuth);
  if (options.mode === 'mint') return () => cachedSupabaseJwt(subjectOrAuth, options);
  if (auth === null) {
    throw configError('supabase.mode', 'is "third-party": a client needs the verified Logto token (LogtoAuth), not a bare subject, since nothing is minted.');
  }
  assertThirdPartyRole(auth.claims.role);
  const { token } = auth;
  return async () => token;
}

/** Supabase third-party auth maps the token's `role` claim to a Postgres role; Logto sets none by default. */
export function assertThirdPartyRole(role: unknown): void {
  if (role !== 'authenticated') {
    throw new LogtoAuthError(
      'invalid_token',
      'The Logto token has no "role": "authenticated" claim, which Supabase third-party auth requires. Add it with a custom access token claims script in Logto Console (Custom JWT): return { role: "authenticated" }.',
      { reason: 'claims' },
    );
  }
}

/**
 * A supabase-js client that acts as the Logto user, so Row-Level Security applies: every request
 * carries a fresh minted JWT (or, in third-party mode, the Logto token). No session is stored and
 * no timer is started, so a client per request is cheap and leaks nothing.
 *
 * @param subjectOrAuth A Logto user id (mint mode only), or the `LogtoAuth` of a verified token.
 * @throws {LogtoSupabaseConfigError} at once, for invalid Supabase options or a `subjectOrAuth`
 * that is neither a non-empty user id nor a `LogtoAuth` (or a bare id in third-party mode).
 * @throws {LogtoAuthError} at once, in third-party mode, for a token without `role: "authenticated"`.
 * A request made after the Logto token expired fails with `invalid_token` (reason `expired`).
 * @example
 * const supabase = createUserSupabaseClient(auth, options.supabase);
 * const { data } = await supabase.from('posts').select('*'); // only this user's rows
 */
export function createUserSupabaseClient<Database = any>(subjectOrAuth: SubjectOrAuth, supabase: SupabaseOptions): SupabaseClient<Database> {
  const options = resolveSupabaseOptions(supabase);
  return makeClient<Database>(options.url, options.anonKey, serverClientOptions(options.clientOptions, userAccessToken(subjectOrAuth, options)));
}

/** A client with only the anon key: what a request without a token gets in optional mode. */
export function createAnonSupabaseClient<Database = any>(supabase: SupabaseOptions): SupabaseClient<Database> {
  const options = resolveSupabaseOptions(supabase);
  const { anonKey } = options;
  return makeClient<Database>(options.url, anonKey, serverClientOptions(options.clientOptions, async () => anonKey));
}

/** Checks that a service-role client may be made: a secret key, on a server. */
export function checkServiceRoleKey(key: string | undefined, option = 'supabase.serviceRoleKey'): string {
  if (isBrowser()) {
    throw configError(option, 'cannot be used in a browser: a service-role client bypasses Row-Level Security and belongs on a server.');
  }
  if (key === undefined) {
    throw configError(option, 'is required for a service-role client: the service_role or sb_secret_… key (Project Settings → API Keys).');
  }
  checkKeyText(key, option);
  const kind = supabaseKeyKind(key);
  if (kind === 'anon' || kind === 'publishable') {
    throw configError(option, 'holds an anon/publishable key, which cannot bypass RLS: give the service_role or sb_secret_… key.');
  }
  if (kind !== 'service_role' && kind !== 'secret') {
    throw configError(option, 'is not a Supabase service_role JWT key or sb_secret_… key.');
  }
  return key;
}

/**
 * A supabase-js client with the service-role key: it bypasses Row-Level Security. For trusted
 * server work only; refused in browsers and with an anon or publishable key.
 *
 * @throws {LogtoSupabaseConfigError} in a browser, or when `serviceRoleKey` or `url` is missing or
 * is not a service-role/secret key.
 * @example
 * const admin = createServiceRoleClient({ url: 'https://<project-ref>.supabase.co', serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY });
 */
export function createServiceRoleClient<Database = any>(
  supabase: Pick<SupabaseOptions, 'url' | 'serviceRoleKey' | 'clientOptions'>,
): SupabaseClient<Database> {
  const { url, key, clientOptions } = resolveServiceRoleOptions(supabase);
  return makeClient<Database>(url, key, serverClientOptions(clientOptions, undefined));
}

/** Checks what a service-role client needs: a URL and a secret key, on a server. */
function resolveServiceRoleOptions(supabase: Parameters<typeof createServiceRoleClient>[0]): { url: string; key: string; clientOptions: ClientOptions } {
  if (typeof supabase !== 'object' || supabase === null) {
    throw configError('supabase', 'Supabase options are required: { url, serviceRoleKey }.');
  }
  const url = checkSupabaseUrl(supabase.url, 'supabase.url');
  const key = checkServiceRoleKey(supabase.serviceRoleKey);
  return { url, key, clientOptions: (supabase.clientOptions ?? {}) as ClientOptions };
}
