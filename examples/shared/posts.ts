import { supabaseErrorReply, type LogtoAuth, type SupabaseErrorLike } from 'logto-supabase';

/** What the sample APIs answer: a status and a JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

/** A row of `public.posts` as the APIs return it. */
export interface Post {
  id: number;
  user_id: string;
  title: string;
  body: string;
}

export const postColumns = 'id, user_id, title, body';

export interface NewPost {
  title: string;
  body?: string;
  /** Passed through on purpose: Row-Level Security, not the API, decides whose name a post may carry. */
  user_id?: string;
}

const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** The body of `POST /api/posts`, or a 400 reply. */
export function parseNewPost(value: unknown): NewPost | Reply {
  const input = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { title, body, user_id } = input;
  if (typeof title !== 'string' || title.trim() === '' || !isOptionalString(body) || !isOptionalString(user_id)) {
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: 'Expected JSON { "title": string, "body"?: string, "user_id"?: string }.' },
    };
  }
  return { title, ...(body !== undefined && { body }), ...(user_id !== undefined && { user_id }) };
}

export const isReply = (value: NewPost | Reply): value is Reply => 'status' in value;

/**
 * A failed Supabase query: logged here with its details (they name tables and policies), answered
 * with a status the client can act on (403 when Row-Level Security refused, 503 when Supabase is
 * down, …) and a generic body in the auth errors' `{ error, error_description }` shape.
 */
export function supabaseFailure(error: SupabaseErrorLike): Reply {
  console.error('supabase error:', error);
  return supabaseErrorReply(error);
}

/** What `public.whoami()` answers: the Postgres role and the claims RLS policies read. */
export interface WhoAmI {
  role: string;
  user_id: string | null;
  client_id: string | null;
  organization_id: string | null;
  scopes: string[];
}

/** The body of `GET /api/me`: who the backend verified, and who the database says is asking. */
export interface Caller {
  token: Pick<LogtoAuth, 'subject' | 'userId' | 'clientId' | 'isMachine' | 'scopes'> | null;
  database: WhoAmI;
}

export function caller(auth: LogtoAuth | null | undefined, database: WhoAmI): Reply {
  const token = auth ? {
    subject: auth.subject,
    userId: auth.userId,
    clientId: auth.clientId,
    isMachine: auth.isMachine,
    scopes: auth.scopes,
  } : null;
  return { status: 200, body: { token, database } satisfies Caller };
}
