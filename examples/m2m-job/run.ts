/**
 * Runs the machine-to-machine job: `npm run example:m2m`.
 * - With LOGTO_ENDPOINT, LOGTO_AUDIENCE, LOGTO_M2M_CLIENT_ID, LOGTO_M2M_CLIENT_SECRET and
 *   BACKEND_URL set: once, as that app, against your backend (e.g. the Express sample).
 * - Otherwise: on the local stack with the Express sample as the backend, as the allowlisted admin
 *   job (service role: every post) and as the reporter app (RLS: only its own post).
 */
import { createApp } from '../express-spa-backend/app.js';
import { listen } from '../shared/listen.js';
import { loadLocalStack } from '../shared/load-local-stack.js';
import { table } from '../shared/table.js';
import { runM2mJob, type M2mJobResult } from './job.js';
import { localJobOptions } from './local-job.js';

/** Why the backend gave this app its role: the allowlist (LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS) decides. */
function why({ clientId, me }: M2mJobResult, allowlist: readonly string[] | undefined): string {
  const listed = allowlist ? (allowlist.includes(clientId) ? 'on' : 'not on') : me.database.role === 'service_role' ? 'on' : 'not on';
  return me.database.role === 'service_role'
    ? `${listed} the backend's service-role allowlist (LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS): service role, RLS bypassed`
    : `${listed} the backend's service-role allowlist: a client whose subject is its own id, so RLS shows only rows with user_id = ${clientId}`;
}

const describe = (result: M2mJobResult, allowlist?: readonly string[]) =>
  `${result.clientId}: database role ${result.me.database.role}, ${result.posts.length} post(s)\n` +
  `  why: ${why(result, allowlist)}\n` +
  table(result.posts.map((post) => [String(post.id), post.user_id, post.title]), '  ');

const { LOGTO_ENDPOINT, LOGTO_AUDIENCE, LOGTO_M2M_CLIENT_ID, LOGTO_M2M_CLIENT_SECRET, BACKEND_URL } = process.env;

if (LOGTO_ENDPOINT) {
  const missing = Object.entries({ LOGTO_AUDIENCE, LOGTO_M2M_CLIENT_ID, LOGTO_M2M_CLIENT_SECRET, BACKEND_URL })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`LOGTO_ENDPOINT is set; also set ${missing.join(', ')}.`);
  const result = await runM2mJob({
    logtoEndpoint: LOGTO_ENDPOINT,
    resource: LOGTO_AUDIENCE!,
    clientId: LOGTO_M2M_CLIENT_ID!,
    clientSecret: LOGTO_M2M_CLIENT_SECRET!,
    backendUrl: BACKEND_URL!,
  });
  console.log(describe(result));
} else {
  const { startLocalStack } = await loadLocalStack();
  const stack = await startLocalStack();
  try {
    const backend = await listen(createApp(stack.options));
    try {
      for (const app of ['adminJob', 'reporter'] as const) {
        const allowlist = stack.options.machines?.serviceRole?.clientIds ?? [];
        console.log(describe(await runM2mJob(localJobOptions(stack, app, backend.url)), allowlist));
      }
    } finally {
      await backend.close();
    }
  } finally {
    await stack.stop();
  }
}
