/**
 * `npm run example:user-sync`.
 * - With LOGTO_WEBHOOK_SIGNING_KEY, SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY set: serves the
 *   receiver on PORT (default 3000) for your Logto webhook.
 * - Otherwise: on the local stack, sends the receiver signed deliveries the way Logto does (late,
 *   twice, out of order, one lost), prints the table after each, then repairs the lost one with
 *   `logto-supabase sync-users`.
 */
import { createHmac } from 'node:crypto';
import { syncLogtoUsers, type LogtoUser } from 'logto-supabase/webhooks';
import { apps } from '../local-stack/src/fixtures.js';
import type { LocalStack } from '../local-stack/src/index.js';
import { listen } from '../shared/listen.js';
import { loadLocalStack } from '../shared/load-local-stack.js';
import { table } from '../shared/table.js';
import { createWebhookApp } from './app.js';

const { LOGTO_WEBHOOK_SIGNING_KEY, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY } = process.env;

const user = (id: string, name: string, updatedAt: number, customData: Record<string, unknown> = {}): LogtoUser => ({
  id,
  username: name.toLowerCase(),
  primaryEmail: `${name.toLowerCase()}@example.com`,
  primaryPhone: null,
  name,
  avatar: null,
  customData,
  identities: {},
  profile: {},
  lastSignInAt: null,
  createdAt: updatedAt,
  updatedAt,
  applicationId: null,
  isSuspended: false,
});

/** A Management API event as Logto delivers it; `data` is the API's response. */
const managementEvent = (event: string, route: string, userId: string, data: unknown) => ({
  event,
  createdAt: new Date().toISOString(),
  userAgent: 'curl/8.5.0',
  ip: '::1',
  path: route.replace(':userId', userId),
  method: event === 'User.Deleted' ? 'DELETE' : event === 'User.Created' ? 'POST' : 'PATCH',
  status: 200,
  params: { userId },
  matchedRoute: route,
  data,
  hookId: 'sample-hook',
});

async function printUsers(stack: LocalStack, title: string): Promise<void> {
  const rows = await stack.supabase.db.query<{ id: string; name: string; custom_data: unknown; updated_at: Date }>(
    'select id, name, custom_data, updated_at from public.logto_users order by id',
  );
  const cells = rows.map((row) => [row.id, row.name, JSON.stringify(row.custom_data), row.updated_at.toISOString()]);
  console.log(`${title}\n${table([['id', 'name', 'custom_data', 'updated_at'], ...cells])}\n`);
}

async function localDemo(): Promise<void> {
  const t = Date.now() - 600_000;
  const ada = user('ada000000001', 'Ada', t);
  const grace = user('grace0000001', 'Grace', t + 1);
  const linus = user('linus0000001', 'Linus', t + 2);
  const bob = user('bob000000001', 'Bob', t + 3);
  const signingKey = 'sampleSigningKey0123456789abcdef';
  const { startLocalStack } = await loadLocalStack();
  // The Management API stand-in lists what Logto has now: Ada (renamed), Grace (on the pro plan) and Linus; Bob was deleted.
  const managementUsers = [{ ...ada, name: 'Ada L.', updatedAt: t + 20 }, { ...grace, customData: { plan: 'pro' }, updatedAt: t + 30 }, linus];
  const stack = await startLocalStack({ logto: { managementUsers } });
  const receiver = await listen(
    createWebhookApp({ LOGTO_WEBHOOK_SIGNING_KEY: signingKey, SUPABASE_URL: stack.supabase.url, SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey }),
  );
  const deliver = async (label: string, payload: object, key = signingKey) => {
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', key).update(body).digest('hex');
    const response = await fetch(`${receiver.url}/webhooks/logto`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Logto (https://logto.io/)', 'logto-signature-sha-256': signature },
      body,
    });
    console.log(`→ ${label}: HTTP ${response.status}`);
  };
  try {
    await deliver('User.Created Ada', managementEvent('User.Created', '/users', ada.id, ada));
    await deliver('User.Created Grace', managementEvent('User.Created', '/users', grace.id, grace));
    await deliver('User.Created Bob', managementEvent('User.Created', '/users', bob.id, bob));
    await deliver('User.Data.Updated Ada (renamed "Ada L.")', managementEvent('User.Data.Updated', '/users/:userId', ada.id, { ...ada, name: 'Ada L.', updatedAt: t + 20 }));
    await deliver('User.Data.Updated Ada, an older change arriving late', managementEvent('User.Data.Updated', '/users/:userId', ada.id, { ...ada, name: 'Ada (old)', updatedAt: t + 10 }));
    await deliver('the same delivery again', managementEvent('User.Data.Updated', '/users/:userId', ada.id, { ...ada, name: 'Ada (old)', updatedAt: t + 10 }));
    await deliver('PATCH /users/:userId/custom-data for Grace (custom data only)', managementEvent('User.Data.Updated', '/users/:userId/custom-data', grace.id, { plan: 'pro' }));
    await deliver('a forged delivery (wrong key)', managementEvent('User.Deleted', '/users/:userId', grace.id, grace), 'attackerKey0123456789abcdefghijk');
    console.log('(lost, since Logto does not retry: User.Created for Linus, User.Deleted for Bob)\n');
    await printUsers(stack, 'public.logto_users after the deliveries:');

    const result = await syncLogtoUsers({
      logto: { endpoint: stack.logto.endpoint, managementApi: { clientId: apps.adminJob.clientId, clientSecret: apps.adminJob.clientSecret } },
      supabase: { url: stack.supabase.url, serviceRoleKey: stack.supabase.serviceRoleKey },
      removeMissing: true,
    });
    console.log(`sync-users: ${result.listed} users read, ${result.written} rows written, ${result.removed.length} removed`);
    await printUsers(stack, 'public.logto_users after `npx logto-supabase sync-users --remove-missing`:');
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

if (LOGTO_WEBHOOK_SIGNING_KEY || SUPABASE_URL) {
  const missing = Object.entries({ LOGTO_WEBHOOK_SIGNING_KEY, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`Also set ${missing.join(', ')}.`);
  const port = Number(process.env.PORT ?? 3000);
  const server = await listen(createWebhookApp(process.env), { port, host: '0.0.0.0' });
  console.log(`Logto webhook receiver: ${server.url}/webhooks/logto (register it in Logto Console → Webhooks, events User.* and PostRegister)`);
} else {
  await localDemo();
}
