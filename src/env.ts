import type { LogtoSupabaseOptions } from './bridge.js';
import { configError } from './core/errors.js';
import { redactInLogs } from './core/redact.js';
import type { SupabaseOptions } from './supabase/options.js';

/**
 * Environment variables: `process.env`, Cloudflare Workers bindings (`c.env`), `Deno.env.toObject()`.
 * Values that are not strings (KV namespaces and other bindings) are ignored.
 */
export type Env = Record<string, string | undefined>;

/** The process environment where the runtime has one (Node, Bun, Deno with Node compatibility). */
const processEnv = (): Record<string, unknown> => (globalThis as { process?: { env?: Record<string, unknown> } }).process?.env ?? {};

/** A variable from `env`, else from the process environment; blank counts as unset. */
function readVariable(env: object, name: string): string | undefined {
  const own = (env as Record<string, unknown>)[name];
  const value = typeof own === 'string' && own.trim() !== '' ? own : processEnv()[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Every variable `fromEnv` reads. */
const variables = [
  'LOGTO_ENDPOINT',
  'LOGTO_AUDIENCE',
  'LOGTO_ISSUER',
  'LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS',
  'SUPABASE_URL',
  'SUPABASE_ANON_KEY',
  'SUPABASE_PUBLISHABLE_KEY',
  'SUPABASE_JWT_SECRET',
  'SUPABASE_SIGNING_KEY',
  'SUPABASE_AUTH_MODE',
  'SUPABASE_SERVICE_ROLE_KEY',
  'SUPABASE_SECRET_KEY',
  'SUPABASE_JWT_SUBJECT',
  'SUPABASE_JWT_UUID_NAMESPACE',
] as const;
type Variable = (typeof variables)[number];

/**
 * The options last made from each env object, given again while the object's own values are the
 * same: `(c) => fromEnv(c.env)` on every request is then one (frozen) object, found by identity,
 * for the cost of reading 14 properties. The `process.env` fallbacks are read when an object is
 * first seen or one of its values changed (reading `process.env` costs ~150 ns a variable on Node).
 */
const made = new WeakMap<object, { own: unknown[]; options: LogtoSupabaseOptions }>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

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
 * `LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS` (comma-separated), `SUPABASE_AUTH_MODE`, `LOGTO_ISSUER`,
 * `SUPABASE_JWT_SUBJECT` (`logto` or `uuid`) and `SUPABASE_JWT_UUID_NAMESPACE`.
 *
 * `env` defaults to `process.env`. A variable the given object lacks is read from `process.env`
 * where the runtime has one: with `@hono/node-server`, `c.env` holds Node's request objects, not
 * your variables, and `fromEnv(c.env)` still works.
 *
 * The options are frozen, all the way down: spread them to change them
 * (`{ ...fromEnv(), optional: true }`). Called again with the same `env` object while its values
 * are the same, it returns the same object, so options read per request share one bridge without
 * being compared. (For an object other than `process.env`, the `process.env` fallbacks are read
 * again only when one of the object's own values changes.)
 *
 * @param env Variables or bindings (Workers `c.env`); non-string values are ignored.
 * @throws {LogtoSupabaseConfigError} naming every missing variable at once.
 *
 * @example
 * import { fromEnv } from 'logto-supabase';
 * import { logtoSupabase } from 'logto-supabase/hono';
 * import { Hono } from 'hono';
 *
 * const app = new Hono();
 * app.use('/api/*', logtoSupabase((c) => fromEnv(c.env))); // Workers bindings, or process.env on Node
 */
export function fromEnv(env: object = processEnv()): LogtoSupabaseOptions {
  const source = env ?? {};
  const own = variables.map((name) => (source as Record<string, unknown>)[name]);
  const last = made.get(source);
  if (last && last.own.every((value, index) => value === own[index])) return last.options;
  const values = variables.map((name) => readVariable(source, name));
  const options = deepFreeze(optionsFrom((name) => values[variables.indexOf(name)]));
  made.set(source, { own, options });
  return options;
}

function optionsFrom(read: (name: Variable) => string | undefined): LogtoSupabaseOptions {
  const anonKey = read('SUPABASE_ANON_KEY') ?? read('SUPABASE_PUBLISHABLE_KEY');
  const jwtSecret = read('SUPABASE_JWT_SECRET');
  const signingKey = read('SUPABASE_SIGNING_KEY');
  const mode = read('SUPABASE_AUTH_MODE') as SupabaseOptions['mode'];
  const serviceRoleKey = read('SUPABASE_SERVICE_ROLE_KEY') ?? read('SUPABASE_SECRET_KEY');
  const subject = read('SUPABASE_JWT_SUBJECT') as 'logto' | 'uuid' | undefined;
  const uuidNamespace = read('SUPABASE_JWT_UUID_NAMESPACE');
  const jwt = { ...(subject !== undefined ? { subject } : {}), ...(uuidNamespace !== undefined ? { uuidNamespace } : {}) };
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
      ...(Object.keys(jwt).length > 0 ? { jwt } : {}),
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
