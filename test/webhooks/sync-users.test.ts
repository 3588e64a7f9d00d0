/**
 * The reconcile (`syncLogtoUsers`, `npx logto-supabase sync-users`) against the local stack: the
 * Management API stand-in pages 2,500 users as Logto does behind a client-credentials token for
 * the management resource, into a real Postgres (PGlite; PostgreSQL with TEST_DATABASE_URL).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalLogto, type LocalLogto } from '../../examples/local-stack/src/logto.js';
import { startLocalSupabase, type LocalSupabase } from '../../examples/local-stack/src/supabase.js';
import { apps } from '../../examples/local-stack/src/fixtures.js';
import { LogtoSupabaseConfigError } from '../../src/index.js';
import { createLogtoUserSync, managementApiResource, syncLogtoUsers, type LogtoWebhookEvent } from '../../src/webhooks/index.js';
import { logtoUser, userDataUpdated } from '../helpers/webhooks.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const userCount = 2500;
const listedAt = Date.parse('2026-06-01T00:00:00.000Z');
const id = (n: number) => `u${String(n).padStart(11, '0')}`;
const logtoUsers = Array.from({ length: userCount }, (_, n) => logtoUser(id(n), listedAt + n, { customData: { n } }));

let logto: LocalLogto;
let supabase: LocalSupabase;
const rowCount = async () => (await supabase.db.query<{ n: number }>('select count(*)::int as n from public.logto_users'))[0]!.n;
const options = () => ({
  logto: { endpoint: logto.endpoint, managementApi: { clientId: apps.adminJob.clientId, clientSecret: apps.adminJob.clientSecret } },
  supabase: { url: supabase.url, serviceRoleKey: supabase.serviceRoleKey },
});
const cliEnv = () => ({
  ...process.env,
  LOGTO_ENDPOINT: logto.endpoint,
  LOGTO_M2M_CLIENT_ID: apps.adminJob.clientId,
  LOGTO_M2M_CLIENT_SECRET: apps.adminJob.clientSecret,
  SUPABASE_URL: supabase.url,
  SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
});

/** Runs `logto-supabase sync-users …` from source in a child process; resolves whatever the exit code. */
async function syncUsersCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, 'sync-users', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** A user Logto no longer has, synced long ago (its User.Deleted delivery was lost). */
const insertGoneUser = () => createLogtoUserSync({ supabase: options().supabase }).handle(userDataUpdated(logtoUser('u1gone000001', listedAt - 86_400_000)) as LogtoWebhookEvent);

beforeAll(async () => {
  logto = await startLocalLogto({ managementUsers: logtoUsers });
  supabase = await startLocalSupabase({ databaseUrl: process.env.TEST_DATABASE_URL });
}, 60_000);
afterAll(async () => {
  await Promise.all([logto?.stop(), supabase?.stop()]);
});
beforeEach(async () => {
  logto.management.failingPages.clear();
  await supabase.db.exec('truncate public.logto_users, logto.deleted_users');
});

describe('syncLogtoUsers', () => {
  it(`upserts all ${userCount} users, page by page, with progress`, async () => {
    const progress: number[] = [];
    const started = performance.now();
    const result = await syncLogtoUsers({ ...options(), onProgress: ({ listed }) => progress.push(listed) });
    const seconds = (performance.now() - started) / 1000;
    console.log(`syncLogtoUsers: ${userCount} users in ${seconds.toFixed(2)} s (${supabase.db.kind})`);
    expect(result).toEqual({ listed: userCount, total: userCount, written: userCount, removed: [] });
    expect(progress).toEqual(Array.from({ length: userCount / 100 }, (_, page) => (page + 1) * 100));
    expect(await rowCount()).toBe(userCount);
    expect((await supabase.db.query('select username, custom_data from public.logto_users where id = $1', [id(1234)]))[0]).toEqual({
      username: `user_${id(1234)}`,
      custom_data: { n: 1234 },
    });
  }, 120_000);

  it('a second run writes nothing new, and keeps a row a webhook made newer than Logto’s copy', async () => {
    await syncLogtoUsers({ ...options(), pageSize: 100 });
    const newer = { ...logtoUsers[7]!, name: 'Changed since the listing', updatedAt: Date.now() };
    await createLogtoUserSync({ supabase: options().supabase }).handle(userDataUpdated(newer) as LogtoWebhookEvent);
    const again = await syncLogtoUsers(options());
    expect(again.written).toBe(userCount - 1); // equal updated_at rewrites harmlessly; the newer row does not
    expect((await supabase.db.query('select name from public.logto_users where id = $1', [newer.id]))[0]).toEqual({ name: newer.name });
  }, 120_000);

  it('refuses an app without the Management API role (403), writing nothing', async () => {
    const reporter = { ...options().logto, managementApi: { clientId: apps.reporter.clientId, clientSecret: apps.reporter.clientSecret } };
    await expect(syncLogtoUsers({ ...options(), logto: reporter })).rejects.toThrow(/GET \/api\/users\?page=1 answered HTTP 403/);
    expect(await rowCount()).toBe(0);
  });

  it('refuses bad options before any request', async () => {
    const before = logto.management.requests;
    const cases: [object, string][] = [
      [{ logto: { endpoint: 'not a url', managementApi: options().logto.managementApi } }, 'logto.endpoint'],
      [{ logto: { endpoint: logto.endpoint, managementApi: { clientId: 'x', clientSecret: '' } } }, 'logto.managementApi'],
      [{ pageSize: 500 }, 'pageSize'],
    ];
    for (const [override, option] of cases) {
      const error = await syncLogtoUsers({ ...options(), ...override } as never).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
      expect((error as LogtoSupabaseConfigError).option).toBe(option);
    }
    expect(logto.management.requests).toBe(before);
  });

  it('derives the Management API resource: the Cloud tenant’s, else self-hosted Logto’s', () => {
    expect(managementApiResource('https://abc123.logto.app')).toBe('https://abc123.logto.app/api');
    expect(managementApiResource('https://abc123.logto.app/')).toBe('https://abc123.logto.app/api');
    expect(managementApiResource('http://localhost:3001')).toBe('https://default.logto.app/api');
    expect(managementApiResource('https://auth.example.com')).toBe('https://default.logto.app/api');
  });
});

describe('npx logto-supabase sync-users', () => {
  it('--remove-missing: upserts everyone and removes the user Logto no longer has; exit 0 and a summary', async () => {
    await insertGoneUser();
    const started = performance.now();
    const { code, stdout, stderr } = await syncUsersCli(['--remove-missing']);
    console.log(`sync-users --remove-missing: ${userCount} users in ${((performance.now() - started) / 1000).toFixed(2)} s (process included)`);
    expect(stderr).toBe(''); // not a terminal: no progress line
    expect([code, stdout]).toEqual([0, `sync-users: ${userCount} Logto users read into public.logto_users: ${userCount} rows written, 1 removed.\n`]);
    expect(await rowCount()).toBe(userCount);
    expect(await supabase.db.query('select 1 from public.logto_users where id = $1', ['u1gone000001'])).toEqual([]);
  }, 120_000);

  it('a 500 mid-way: exit 1, nothing removed, the failing page named', async () => {
    await insertGoneUser();
    logto.management.failingPages.add(13);
    const { code, stdout, stderr } = await syncUsersCli(['--remove-missing']);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toMatch(/^sync-users failed \(nothing was removed\): GET \/api\/users\?page=13 answered HTTP 500/);
    expect(await supabase.db.query('select id from public.logto_users where id = $1', ['u1gone000001'])).toEqual([{ id: 'u1gone000001' }]);
    expect(await rowCount()).toBe(1 + 12 * 100); // the pages before the outage were written
  }, 120_000);

  it('names every missing variable (exit 2), and takes no secret from argv', async () => {
    const env = { PATH: process.env.PATH, LOGTO_ENDPOINT: logto.endpoint };
    const missing = await syncUsersCli([], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('LOGTO_M2M_CLIENT_ID, LOGTO_M2M_CLIENT_SECRET, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)');
    const argv = await syncUsersCli(['--client-secret', apps.adminJob.clientSecret]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('never from arguments');
    expect(argv.stderr).not.toContain(apps.adminJob.clientSecret);
    expect(await rowCount()).toBe(0);
  });

  it('a wrong client secret: exit 1, and the secret is not printed', async () => {
    const { code, stderr } = await syncUsersCli([], { ...cliEnv(), LOGTO_M2M_CLIENT_SECRET: 'wrong-secret-0123456789' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/token endpoint .* answered HTTP 401/);
    expect(stderr).not.toContain('wrong-secret-0123456789');
  });
});
