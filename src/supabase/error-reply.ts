/** The body every error of your API can share: the shape of `LogtoAuthError`'s (RFC 6749 §5.2). */
export interface ErrorBody {
  error: string;
  error_description: string;
}

/** What a failed Supabase call should answer: a status and a body that says nothing about the database. */
export interface SupabaseErrorReply {
  /** A literal union, so `c.json(body, status)` type-checks in Hono. */
  status: 400 | 403 | 404 | 409 | 500 | 503;
  body: ErrorBody;
}

/** What supabase-js returns as `error` (a PostgrestError, a StorageError, or a network failure). */
export interface SupabaseErrorLike {
  code?: string | undefined;
  message?: string | undefined;
}

type Rule = [test: (code: string) => boolean, status: SupabaseErrorReply['status'], error: string, description: string];

const unavailableMessage = 'The database cannot be reached. Try again later.';

/** PostgREST and Postgres codes a client can act on; everything else is the server's problem. */
const rules: Rule[] = [
  [(code) => code === '42501', 403, 'forbidden', 'You are not allowed to do this.'],
  [(code) => code === 'PGRST116', 404, 'not_found', 'Nothing was found.'],
  [(code) => code === '23505', 409, 'conflict', 'This already exists.'],
  [(code) => /^(22|23)/.test(code), 400, 'invalid_request', 'The request holds a value that is not valid.'],
  [(code) => /^PGRST1\d\d$/.test(code), 400, 'invalid_request', 'The request is not valid.'],
  // PostgREST cannot reach or load the database; Postgres out of connections or shutting down.
  [(code) => /^PGRST00\d$/.test(code) || /^(08|53|57P)/.test(code), 503, 'temporarily_unavailable', unavailableMessage],
];

const unavailable: SupabaseErrorReply = {
  status: 503,
  body: { error: 'temporarily_unavailable', error_description: unavailableMessage },
};
const serverError: SupabaseErrorReply = {
  status: 500,
  body: { error: 'server_error', error_description: 'The request could not be completed.' },
};

/** supabase-js reports a failed fetch with no code and the fetch error's text. */
const isNetworkFailure = (error: SupabaseErrorLike) => !error.code && /fetch failed|failed to fetch|network|ECONNREFUSED|ETIMEDOUT/i.test(error.message ?? '');

/**
 * Turns a Supabase error into what your API should answer: a status a client can act on (403 when
 * Row-Level Security refused, 404, 409, 400, 503 when Supabase or its database is down, else 500) and a fixed body in
 * the same `{ error, error_description }` shape as the auth errors. Never the database's own message:
 * PostgREST errors name tables, columns and policies. Log the original error for yourself.
 *
 * @param error The `error` supabase-js returned.
 *
 * @example
 * import { supabaseErrorReply } from 'logto-supabase';
 * import type { Request, Response } from 'express';
 *
 * export async function listPosts(req: Request, res: Response) {
 *   const { data, error } = await req.supabase!.from('posts').select('*');
 *   if (error) {
 *     console.error(error); // the details stay in your logs
 *     const { status, body } = supabaseErrorReply(error);
 *     return res.status(status).json(body);
 *   }
 *   res.json(data);
 * }
 */
export function supabaseErrorReply(error: SupabaseErrorLike): SupabaseErrorReply {
  const code = typeof error?.code === 'string' ? error.code : '';
  const rule = rules.find(([test]) => code !== '' && test(code));
  if (rule) return { status: rule[1], body: { error: rule[2], error_description: rule[3] } };
  return isNetworkFailure(error ?? {}) ? unavailable : serverError;
}
