import type { SupabaseClient } from '@supabase/supabase-js';
import { configError } from '../core/errors.js';
import { createServiceRoleClient } from '../supabase/clients.js';
import type { SupabaseOptions } from '../supabase/options.js';
import type { LogtoUser } from './events.js';

/*
 * The table of Logto users, as the webhook sync and the reconcile both write it: rows built by
 * `toRow`, written through the RPC functions the package's SQL ships (`npx logto-supabase sql`),
 * which keep the newest row per user and remember deleted users.
 */

/** A user as a webhook may carry it: whole, or only some fields (the custom-data-only update). */
export type LogtoUserFields = Partial<LogtoUser> & { id: string };

/** Turns a user into the table's columns; `id` and `updated_at` are added. Undefined columns are left untouched. */
export type LogtoUserToRow = (user: LogtoUserFields) => Record<string, unknown>;

/** Where users are written. */
export interface LogtoUserTableOptions {
  /** Service-role Supabase options (`url`, `serviceRoleKey`), or a service-role client. */
  supabase: Pick<SupabaseOptions, 'url' | 'serviceRoleKey' | 'clientOptions'> | SupabaseClient<any, any, any>;
  /** The table, default `public.logto_users`. Yours needs `id text` unique and `updated_at timestamptz` (and `deleted_at timestamptz` for `onDelete: 'mark'`). */
  table?: string;
  /** The columns of a user's row; default `logtoUserRow` (the columns of `public.logto_users`). */
  toRow?: LogtoUserToRow;
  /** `'delete'` (default) removes a deleted user's row; `'mark'` sets its `deleted_at`. */
  onDelete?: 'delete' | 'mark';
}

const time = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : ms);

/**
 * The columns of `public.logto_users` for a user (undefined where the user lacks the field).
 * Extend it in your own `toRow`.
 *
 * @example
 * const toRow = (user: LogtoUserFields) => ({ ...logtoUserRow(user), plan: user.customData?.plan });
 */
export function logtoUserRow(user: LogtoUserFields): Record<string, unknown> {
  return {
    username: user.username,
    primary_email: user.primaryEmail,
    primary_phone: user.primaryPhone,
    name: user.name,
    avatar: user.avatar,
    custom_data: user.customData,
    profile: user.profile,
    identities: user.identities,
    application_id: user.applicationId,
    is_suspended: user.isSuspended,
    has_password: user.hasPassword,
    last_sign_in_at: time(user.lastSignInAt),
    created_at: time(user.createdAt),
  };
}

const tableName = /^(?:[A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/;

/** What writes rows: checked options, one service-role client. */
export interface UserTable {
  /** Writes users (whole, or partial with `partial`), dated `updatedAt`; returns how many rows were written. */
  upsert(users: LogtoUserFields[], options?: { partial?: boolean; updatedAt?: number }): Promise<number>;
  delete(userIds: string[]): Promise<number>;
  /** Removes rows of users not in `keepIds` and not written since `updatedBefore`; returns their ids. */
  removeMissing(keepIds: string[], updatedBefore: Date): Promise<string[]>;
}

type ServiceRoleSupabase = LogtoUserTableOptions['supabase'];
const isClient = (value: ServiceRoleSupabase): value is SupabaseClient =>
  typeof value === 'object' && value !== null && typeof (value as SupabaseClient).rpc === 'function';

/** Checks the table options once and returns the writer. */
export function userTable({ supabase, table = 'public.logto_users', toRow = logtoUserRow, onDelete = 'delete' }: LogtoUserTableOptions): UserTable {
  if (typeof table !== 'string' || !tableName.test(table)) throw configError('table', 'must be a table name such as "public.logto_users" or "profiles".');
  if (typeof toRow !== 'function') throw configError('toRow', 'must be a function of the user returning the row.');
  if (onDelete !== 'delete' && onDelete !== 'mark') throw configError('onDelete', 'must be "delete" or "mark".');
  const client = isClient(supabase) ? supabase : createServiceRoleClient(supabase as Pick<SupabaseOptions, 'url' | 'serviceRoleKey' | 'clientOptions'>);
  const target = table.includes('.') ? table : `public.${table}`;
  const mark = onDelete === 'mark';

  const call = async <T>(fn: string, args: Record<string, unknown>): Promise<T> => {
    const { data, error } = await client.rpc(fn, args);
    if (!error) return data as T;
    const hint = error.code === 'PGRST202' ? ' Install the SQL first: npx logto-supabase sql | psql "$DATABASE_URL".' : '';
    throw new Error(`${fn} on ${target} failed: ${error.message}${hint}`, { cause: error });
  };

  const row = (user: LogtoUserFields, partial: boolean, updatedAt: number | undefined) => {
    const columns = Object.entries({ ...toRow(user), id: user.id, updated_at: time(updatedAt ?? user.updatedAt) });
    // A partial user writes only what it has; a whole user's missing fields are null.
    return Object.fromEntries(partial ? columns.filter(([, value]) => value !== undefined) : columns.map(([key, value]) => [key, value ?? null]));
  };

  return {
    upsert: (users, { partial = false, updatedAt } = {}) =>
      call<number>('logto_upsert_users', { target, rows: users.map((user) => row(user, partial, updatedAt)), insert_missing: !partial }),
    delete: (userIds) => call<number>('logto_delete_users', { target, user_ids: userIds, mark }),
    removeMissing: async (keepIds, updatedBefore) =>
      (await call<string[] | null>('logto_remove_missing_users', { target, keep_ids: keepIds, updated_before: updatedBefore.toISOString(), mark })) ?? [],
  };
}
