/**
 * The part of Logto's Management API the user reconcile reads: `GET /api/users`, paged as Logto
 * pages it (`page` from 1, `page_size` up to 100, the total in `Total-Number`, newest first),
 * behind a client-credentials token for the management resource with scope `all`.
 */
import type { Express, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { LogtoUser } from '../../../src/webhooks/index.js';

/** Self-hosted Logto's Management API resource (Logto Cloud: `https://<tenant-id>.logto.app/api`). */
export const managementResource = 'https://default.logto.app/api';

export interface LocalManagementApi {
  /** The users `GET /api/users` lists; change it freely. */
  users: LogtoUser[];
  /** Pages answered with HTTP 500 (an outage mid-listing). */
  failingPages: Set<number>;
  /** How many `GET /api/users` requests were answered. */
  requests: number;
}

const defaultPageSize = 20;
const maxPageSize = 100;

const apiError = (res: Response, status: number, code: string, message: string) => res.status(status).json({ code, message });

/** Mounts `/api/users` on the stand-in's app; tokens are checked against its own JWKS. */
export function mountManagementApi(app: Express, issuer: string, users: LogtoUser[] = []): LocalManagementApi {
  const state: LocalManagementApi = { users, failingPages: new Set(), requests: 0 };
  const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));

  async function authorized(req: Request, res: Response): Promise<boolean> {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return (apiError(res, 401, 'auth.authorization_header_missing', 'Authorization header is missing.'), false);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience: managementResource });
      if (String(payload.scope ?? '').split(' ').includes('all')) return true;
      apiError(res, 403, 'auth.forbidden', 'Forbidden.');
    } catch {
      apiError(res, 401, 'auth.unauthorized', 'Unauthorized.');
    }
    return false;
  }

  app.get('/api/users', async (req, res) => {
    if (!(await authorized(req, res))) return;
    const page = Number(req.query.page ?? 1);
    const pageSize = Number(req.query.page_size ?? defaultPageSize);
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
      apiError(res, 400, 'guard.invalid_pagination', 'The pagination value is not valid.');
      return;
    }
    state.requests += 1;
    if (state.failingPages.has(page)) {
      apiError(res, 500, 'unknown', 'Internal server error.');
      return;
    }
    const newestFirst = [...state.users].sort((a, b) => b.createdAt - a.createdAt);
    res.set('Total-Number', String(newestFirst.length)).json(newestFirst.slice((page - 1) * pageSize, page * pageSize));
  });
  return state;
}
