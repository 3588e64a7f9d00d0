import { configError } from '../core/errors.js';
import type { LogtoUser } from './events.js';
import { userTable, type LogtoUserTableOptions } from './user-table.js';

export interface SyncLogtoUsersOptions extends LogtoUserTableOptions {
  logto: {
    /** The Logto endpoint, e.g. `https://<tenant-id>.logto.app` or `http://localhost:3001`. */
    endpoint: string;
    /** A machine-to-machine app with the Logto Management API role. */
    managementApi: {
      clientId: string;
      clientSecret: string;
      /** The Management API resource; default `https://<tenant-id>.logto.app/api` on Logto Cloud, else `https://default.logto.app/api`. */
      resource?: string;
    };
  };
  /** Also delete (or mark) rows of users Logto no longer has, once every page was read. */
  removeMissing?: boolean;
  /** Users per Management API page (1–100, default 100). */
  pageSize?: number;
  /** Called after every page is written. */
  onProgress?: (progress: SyncLogtoUsersProgress) => void;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** How far `syncLogtoUsers` has got, after each page. */
export interface SyncLogtoUsersProgress {
  /** Users read from Logto so far. */
  listed: number;
  /** Users Logto says it has (`Total-Number`). */
  total: number | undefined;
  /** Rows written so far (a row already as new as Logto's is not rewritten). */
  written: number;
}

/** What `syncLogtoUsers` did, once every page is written. */
export interface SyncLogtoUsersResult extends SyncLogtoUsersProgress {
  /** Ids of the users removed (with `removeMissing`). */
  removed: string[];
}

// A row written this close to the start may be a user made during the listing: never removed.
const clockSkewMs = 60_000;

/** The Management API resource of an endpoint: the Cloud tenant's, or self-hosted Logto's fixed one. */
export function managementApiResource(endpoint: string): string {
  const tenant = /^([a-z0-9]+)\.logto\.app$/.exec(new URL(endpoint).hostname)?.[1];
  return tenant ? `https://${tenant}.logto.app/api` : 'https://default.logto.app/api';
}

function checkOptions({ logto, pageSize = 100 }: SyncLogtoUsersOptions): void {
  const url = (() => {
    try {
      return new URL(logto?.endpoint);
    } catch {
      return undefined;
    }
  })();
  if (!url || !/^https?:$/.test(url.protocol)) throw configError('logto.endpoint', 'must be the Logto endpoint URL, e.g. https://<tenant-id>.logto.app.');
  const { clientId, clientSecret } = logto.managementApi ?? {};
  if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
    throw configError('logto.managementApi', 'needs clientId and clientSecret of a machine-to-machine app with the Logto Management API role.');
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw configError('pageSize', 'must be a whole number from 1 to 100.');
}

async function failure(what: string, response: Response): Promise<Error> {
  const text = (await response.text().catch(() => '')).slice(0, 300);
  return new Error(`${what} answered HTTP ${response.status}${text ? `: ${text}` : ''}`);
}

/** A client-credentials token for the Management API. */
async function managementToken(options: SyncLogtoUsersOptions, doFetch: typeof fetch): Promise<string> {
  const { endpoint, managementApi } = options.logto;
  const resource = managementApi.resource ?? managementApiResource(endpoint);
  const response = await doFetch(new URL('oidc/token', `${endpoint.replace(/\/+$/, '')}/`), {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`${encodeURIComponent(managementApi.clientId)}:${encodeURIComponent(managementApi.clientSecret)}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'all' }),
  });
  if (!response.ok) throw await failure(`Logto's token endpoint (resource ${resource})`, response);
  const { access_token: token } = (await response.json()) as { access_token?: unknown };
  if (typeof token !== 'string') throw new Error("Logto's token endpoint answered without an access_token.");
  return token;
}

/**
 * Copies every Logto user into the users table (the one `createLogtoUserSync` keeps), so what a
 * lost webhook delivery missed is repaired: pages through the Management API (`GET /api/users`)
 * with a client-credentials token and upserts each page. A row newer than Logto's copy is kept.
 * With `removeMissing`, rows of users Logto no longer has are deleted (or marked), only after
 * every page was read. `npx logto-supabase sync-users` runs it from the environment.
 *
 * @example
 * const result = await syncLogtoUsers({
 *   logto: { endpoint: 'https://my-tenant.logto.app', managementApi: { clientId: process.env.LOGTO_M2M_CLIENT_ID!, clientSecret: process.env.LOGTO_M2M_CLIENT_SECRET! } },
 *   supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! },
 * });
 * console.log(`${result.listed} users, ${result.written} rows written`);
 *
 * @throws {LogtoSupabaseConfigError} for bad options, before any request.
 * @throws {Error} when Logto or Supabase fails; nothing is removed then.
 */
export async function syncLogtoUsers(options: SyncLogtoUsersOptions): Promise<SyncLogtoUsersResult> {
  checkOptions(options);
  const table = userTable(options);
  const doFetch = options.fetch ?? fetch;
  const pageSize = options.pageSize ?? 100;
  const startedAt = Date.now();
  const token = await managementToken(options, doFetch);
  const ids: string[] = [];
  const progress: SyncLogtoUsersProgress = { listed: 0, total: undefined, written: 0 };
  for (let page = 1; ; page += 1) {
    const url = new URL('api/users', `${options.logto.endpoint.replace(/\/+$/, '')}/`);
    url.search = new URLSearchParams({ page: String(page), page_size: String(pageSize) }).toString();
    const response = await doFetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw await failure(`GET /api/users?page=${page}`, response);
    const users = (await response.json()) as LogtoUser[];
    if (!Array.isArray(users)) throw new Error(`GET /api/users?page=${page} did not answer a list of users.`);
    const total = Number(response.headers.get('total-number'));
    progress.total = Number.isFinite(total) && response.headers.has('total-number') ? total : progress.total;
    if (users.length > 0) progress.written += await table.upsert(users);
    ids.push(...users.map((user) => user.id));
    progress.listed += users.length;
    options.onProgress?.({ ...progress });
    if (users.length < pageSize || (progress.total !== undefined && progress.listed >= progress.total)) break;
  }
  const removed = options.removeMissing ? await table.removeMissing(ids, new Date(startedAt - clockSkewMs)) : [];
  return { ...progress, removed };
}
