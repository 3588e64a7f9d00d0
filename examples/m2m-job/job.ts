/**
 * The Logto guide's "Machine-to-machine app": a job gets an access token with its own
 * credentials (client credentials grant) and calls the protected backend with it. The backend
 * decides what Supabase client it gets: the service role (RLS bypassed) for an allowlisted app,
 * otherwise a client whose subject is the app's id, so RLS shows it only its own rows.
 */
import { decodeJwt } from 'jose';
import type { Caller, Post } from '../shared/posts.js';

export interface ClientCredentials {
  /** The Logto endpoint: the token endpoint is `${endpoint}/oidc/token`. */
  logtoEndpoint: string;
  /** The API resource indicator the backend accepts (its `LOGTO_AUDIENCE`). */
  resource: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated permissions to ask for; default: every permission the app was granted. */
  scope?: string;
}

export interface M2mJobOptions extends ClientCredentials {
  /** The backend's origin, e.g. `http://127.0.0.1:3000`. */
  backendUrl: string;
}

export interface M2mJobResult {
  clientId: string;
  /** The token's claims as the job received them (decoded, not verified: the backend verifies). */
  token: { sub: string; client_id: string; scope: string; aud: string; exp: number };
  /** `GET /api/me`: the token the backend verified and the role the database saw. */
  me: Caller;
  /** `GET /api/posts`: the rows the job was allowed to read. */
  posts: Post[];
}

/** Logto's client credentials grant (RFC 6749 §4.4 with an RFC 8707 `resource`): a JWT for the API. */
export async function requestClientCredentialsToken(credentials: ClientCredentials): Promise<string> {
  const { logtoEndpoint, resource, clientId, clientSecret, scope } = credentials;
  const response = await fetch(new URL('oidc/token', `${logtoEndpoint.replace(/\/+$/, '')}/`), {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, ...(scope !== undefined && { scope }) }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(`Logto refused the client credentials of ${clientId}: HTTP ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  }
  return body.access_token;
}

async function getJson<T>(backendUrl: string, path: string, token: string): Promise<T> {
  const response = await fetch(new URL(path, backendUrl), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Runs the job once as one machine-to-machine app: token, then `GET /api/me` and `GET /api/posts`.
 *
 * @example
 * const { posts, me } = await runM2mJob({ logtoEndpoint, resource, clientId, clientSecret, backendUrl });
 * console.log(me.database.role, posts.length); // 'service_role' 5 for an allowlisted app
 */
export async function runM2mJob(options: M2mJobOptions): Promise<M2mJobResult> {
  const token = await requestClientCredentialsToken(options);
  const { sub, client_id, scope, aud, exp } = decodeJwt(token) as M2mJobResult['token'];
  const [me, posts] = await Promise.all([
    getJson<Caller>(options.backendUrl, '/api/me', token),
    getJson<Post[]>(options.backendUrl, '/api/posts', token),
  ]);
  return { clientId: options.clientId, token: { sub, client_id, scope, aud, exp }, me, posts };
}
