import type { LogtoSupabaseOptions } from './bridge.js';
import { configError } from './core/errors.js';
import { redactInLogs } from './core/redact.js';
import type { SupabaseOptions } from './supabase/options.js';

export type Env = Record<string, string | undefined>;

/** Shown as "[redacted]" when the options are logged or serialized. */
const secretNames = ['jwtSecret', 'signingKey', 'serviceRoleKey'];

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Reads the bridge's options from environment variables: `LOGTO_ENDPOINT`, `LOGTO_AUDIENCE`,
 * `SUPABASE_URL`, `SUPABASE_ANON_KEY` (or `SUPABASE_PUBLISHABLE_KEY`), `SUPABASE_JWT_SECRET` (or
 * `SUPABASE_SIGNING_KEY`, a JWK as JSON), `SUPABASE_SERVICE_ROLE_KEY` (or `SUPABASE_SECRET_KEY`),
 * `LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS` (comma-separated). Missing variables are reported together.
 *
 * @example
 * app.use(logtoSupabase(fromEnv()));           // Node: process.env
 * app.use(logtoSupabase((c) => fromEnv(c.env))); // Cloudflare Workers bindings
 */
export function fromEnv(env: Env = (globalThis as { process?: { env: Env } }).process?.env ?? {}): LogtoSupabaseOptions {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const anonKey = read('SUPABASE_ANON_KEY') ?? read('SUPABASE_PUBLISHABLE_KEY');
  const jwtSecret = read('SUPABASE_JWT_SECRET');
  const signingKey = read('SUPABASE_SIGNING_KEY');
  const mode = read('SUPABASE_AUTH_MODE') as SupabaseOptions['mode'];
  const serviceRoleKey = read('SUPABASE_SERVICE_ROLE_KEY') ?? read('SUPABASE_SECRET_KEY');
  const missing = [
    ['LOGTO_ENDPOINT', read('LOGTO_ENDPOINT')],
    ['LOGTO_AUDIENCE', read('LOGTO_AUDIENCE')],
    ['SUPABASE_URL', read('SUPABASE_URL')],
    ['SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY)', anonKey],
    ...(mode === 'third-party' ? [] : [['SUPABASE_JWT_SECRET (or SUPABASE_SIGNING_KEY)', jwtSecret ?? signingKey]]),
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw configError('env', `missing environment variable(s): ${missing.join(', ')}.`);
  }
  const audiences = list(read('LOGTO_AUDIENCE'));
  const clientIds = list(read('LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS'));
  const supabase: SupabaseOptions = redactInLogs(
    {
      url: read('SUPABASE_URL')!,
      anonKey: anonKey!,
      ...(mode ? { mode } : {}),
      ...(jwtSecret !== undefined ? { jwtSecret } : signingKey !== undefined ? { signingKey } : {}),
      ...(serviceRoleKey !== undefined ? { serviceRoleKey } : {}),
    },
    secretNames,
  );
  return {
    logto: {
      endpoint: read('LOGTO_ENDPOINT')!,
      audience: audiences.length === 1 ? audiences[0]! : audiences,
      ...(read('LOGTO_ISSUER') ? { issuer: list(read('LOGTO_ISSUER')) } : {}),
    },
    supabase,
    ...(clientIds.length > 0 ? { machines: { serviceRole: { clientIds } } } : {}),
  };
}
