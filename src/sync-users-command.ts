import { parseArgs } from 'node:util';
import { configError } from './core/errors.js';
import { syncLogtoUsers, type SyncLogtoUsersOptions, type SyncLogtoUsersProgress } from './webhooks/sync-users.js';

export const syncUsersUsage = `  sync-users  Copy every Logto user into a Supabase table (default public.logto_users), repairing
            what lost webhook deliveries missed. Secrets come from the environment only:
              LOGTO_ENDPOINT, LOGTO_M2M_CLIENT_ID, LOGTO_M2M_CLIENT_SECRET (an M2M app with the
              Management API role), SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY);
              LOGTO_MANAGEMENT_API_RESOURCE overrides the derived Management API resource.
              --remove-missing   also delete rows of users Logto no longer has
              --mark             mark removed users (deleted_at) instead of deleting their rows
              --table <name>     the table (yours needs id, updated_at and, with --mark, deleted_at)
              --page-size <n>    users per Management API page (1-100, default 100)
`;

type Env = Record<string, string | undefined>;

/** The reconcile's options from the environment; throws naming every missing variable. */
function optionsFromEnv(env: Env): Pick<SyncLogtoUsersOptions, 'logto' | 'supabase'> {
  const required = ['LOGTO_ENDPOINT', 'LOGTO_M2M_CLIENT_ID', 'LOGTO_M2M_CLIENT_SECRET', 'SUPABASE_URL'];
  const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY || env.SUPABASE_SECRET_KEY;
  const missing = required.filter((name) => !env[name]);
  if (!serviceRoleKey) missing.push('SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)');
  if (missing.length > 0) throw configError('env', `sync-users needs these environment variables: ${missing.join(', ')}.`);
  const resource = env.LOGTO_MANAGEMENT_API_RESOURCE || undefined;
  return {
    logto: {
      endpoint: env.LOGTO_ENDPOINT!,
      managementApi: { clientId: env.LOGTO_M2M_CLIENT_ID!, clientSecret: env.LOGTO_M2M_CLIENT_SECRET!, ...(resource && { resource }) },
    },
    supabase: { url: env.SUPABASE_URL!, serviceRoleKey },
  };
}

const progressLine = ({ listed, total, written }: SyncLogtoUsersProgress) =>
  `\rsync-users: ${listed}${total === undefined ? '' : `/${total}`} users read, ${written} rows written`;

/** `logto-supabase sync-users`: 0 when every page was read and written, 1 when Logto or Supabase failed, 2 for usage. */
export async function syncUsersCommand(args: string[], env: Env = process.env): Promise<number> {
  let options: SyncLogtoUsersOptions;
  try {
    const { values } = parseArgs({
      args,
      options: {
        'remove-missing': { type: 'boolean' },
        mark: { type: 'boolean' },
        table: { type: 'string' },
        'page-size': { type: 'string' },
      },
    });
    options = {
      ...optionsFromEnv(env),
      removeMissing: values['remove-missing'] ?? false,
      onDelete: values.mark ? 'mark' : 'delete',
      ...(values.table !== undefined && { table: values.table }),
      ...(values['page-size'] !== undefined && { pageSize: Number(values['page-size']) }),
    };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n(Secrets are read from the environment, never from arguments.)\n`);
    return 2;
  }
  const tty = process.stderr.isTTY === true;
  const table = options.table ?? 'public.logto_users';
  try {
    const result = await syncLogtoUsers({ ...options, onProgress: (progress) => tty && process.stderr.write(progressLine(progress)) });
    if (tty) process.stderr.write('\n');
    const removed = options.removeMissing ? `, ${result.removed.length} removed` : '';
    process.stdout.write(`sync-users: ${result.listed} Logto users read into ${table}: ${result.written} rows written${removed}.\n`);
    return 0;
  } catch (error) {
    if (tty) process.stderr.write('\n');
    const configuration = error instanceof Error && error.name === 'LogtoSupabaseConfigError';
    process.stderr.write(`sync-users failed${configuration ? '' : ' (nothing was removed)'}: ${error instanceof Error ? error.message : String(error)}\n`);
    return configuration ? 2 : 1;
  }
}
