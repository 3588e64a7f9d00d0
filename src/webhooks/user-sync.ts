import { LogtoWebhookError } from './errors.js';
import type { LogtoUser, LogtoUserEvent, LogtoWebhookEvent, LogtoWebhookEventName } from './events.js';
import { userTable, type LogtoUserFields, type LogtoUserTableOptions, type UserTable } from './user-table.js';

/** The event type of an event name. */
export type LogtoWebhookEventOf<Name extends LogtoWebhookEventName> = Extract<LogtoWebhookEvent, { event: Name }>;

/** Your handlers, per event name; they run after the sync's own work on that event. */
export type LogtoEventHandlers = { [Name in LogtoWebhookEventName]?: (event: LogtoWebhookEventOf<Name>) => unknown };

export interface LogtoUserSyncOptions extends LogtoUserTableOptions {
  /** Handlers for any event, e.g. `{ 'Organization.Membership.Updated': (event) => … }`. */
  on?: LogtoEventHandlers;
}

/** What `handle` did: `written` is 0 when the stored row was newer or the user was deleted. */
export interface LogtoUserSyncResult {
  action: 'upserted' | 'deleted' | 'ignored';
  userId?: string;
  written: number;
}

/** What `createLogtoUserSync` returns: `handle(event)` for each verified webhook event. */
export interface LogtoUserSync {
  /** Applies a verified event to the users table, then runs your `on` handler for it. */
  handle(event: LogtoWebhookEvent): Promise<LogtoUserSyncResult>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isWholeUser = (value: unknown): value is LogtoUser =>
  isObject(value) && typeof value.id === 'string' && value.id !== '' && typeof value.updatedAt === 'number';

/** Routes whose `data` is one field of the user, not the user (Management API responses). */
const partialRoutes: Record<string, keyof LogtoUser> = {
  '/users/:userId/custom-data': 'customData',
  '/users/:userId/profile': 'profile',
};

const invalid = (message: string) => new LogtoWebhookError('invalid_payload', message);

/** The change a user event carries: a whole user, one field of a user, or nothing the table can use. */
function userChange(event: LogtoUserEvent): { user: LogtoUserFields; partial: boolean } | undefined {
  if (isWholeUser(event.data)) return { user: event.data, partial: false };
  const field = event.matchedRoute === undefined ? undefined : partialRoutes[event.matchedRoute];
  const userId = event.params?.userId;
  if (field === undefined || typeof userId !== 'string' || !isObject(event.data)) return undefined;
  return { user: { id: userId, [field]: event.data }, partial: true };
}

async function upsertChange(table: UserTable, event: LogtoUserEvent): Promise<LogtoUserSyncResult> {
  const change = userChange(event);
  if (!change) {
    if (event.event === 'User.Created') throw invalid(`${event.event} carries no user in "data".`);
    return { action: 'ignored', written: 0 };
  }
  const { user, partial } = change;
  // A partial user has no updatedAt: the event's own time orders it.
  const written = await table.upsert([user], partial ? { partial, updatedAt: Date.parse(event.createdAt) } : {});
  return { action: 'upserted', userId: user.id, written };
}

async function deleteUser(table: UserTable, event: LogtoUserEvent): Promise<LogtoUserSyncResult> {
  const userId = isObject(event.data) && typeof event.data.id === 'string' ? event.data.id : event.params?.userId;
  if (typeof userId !== 'string' || userId === '') throw invalid('User.Deleted names no user.');
  return { action: 'deleted', userId, written: await table.delete([userId]) };
}

async function applyEvent(table: UserTable, event: LogtoWebhookEvent): Promise<LogtoUserSyncResult> {
  switch (event.event) {
    case 'User.Created':
    case 'User.Data.Updated':
    case 'User.SuspensionStatus.Updated':
      return upsertChange(table, event);
    case 'User.Deleted':
      return deleteUser(table, event);
    case 'PostRegister': {
      if (!isWholeUser(event.user)) throw invalid('PostRegister carries no user in "user".');
      return { action: 'upserted', userId: event.user.id, written: await table.upsert([event.user]) };
    }
    default:
      return { action: 'ignored', written: 0 };
  }
}

/**
 * Keeps a Supabase table of Logto users from verified webhook events, through the service-role
 * client: User.Created, PostRegister, User.Data.Updated and User.SuspensionStatus.Updated upsert
 * the user's row; User.Deleted deletes it (or marks it, `onDelete: 'mark'`). Deliveries may come
 * late, twice or out of order: an older one never overwrites a newer row, and a deleted user is
 * not brought back. A custom-data-only update writes only that column. Other events are ignored
 * unless `on` has a handler for them. Needs the SQL of `npx logto-supabase sql`.
 *
 * @example
 * const sync = createLogtoUserSync({ supabase: { url: process.env.SUPABASE_URL!, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY! } });
 * const event = await verifyLogtoWebhook(rawBody, headers, process.env.LOGTO_WEBHOOK_SIGNING_KEY!);
 * await sync.handle(event);
 *
 * @throws {LogtoSupabaseConfigError} at creation, for a bad `table`, `toRow`, `onDelete` or service-role key.
 */
export function createLogtoUserSync(options: LogtoUserSyncOptions): LogtoUserSync {
  const table = userTable(options);
  const handlers: LogtoEventHandlers = options.on ?? {};
  return {
    async handle(event) {
      const result = await applyEvent(table, event);
      const handler = handlers[event.event] as ((event: LogtoWebhookEvent) => unknown) | undefined;
      if (handler) await handler(event);
      return result;
    },
  };
}
