/**
 * The sample's configuration, read from the environment on first use (never at build time, so one
 * `next build` serves any Logto tenant and Supabase project).
 */
import type { LogtoNextConfig } from '@logto/next';
import { fromEnv, type LogtoSupabaseOptions } from 'logto-supabase';

const required = (name: string): string => {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`next-app-router sample: set the ${name} environment variable (see README.md).`);
  return value;
};

let logtoConfig: LogtoNextConfig | undefined;
let options: LogtoSupabaseOptions | undefined;

/** The bridge options (`LOGTO_ENDPOINT`, `LOGTO_AUDIENCE`, `SUPABASE_*`): see `fromEnv`. */
export const getOptions = (): LogtoSupabaseOptions => (options ??= fromEnv());

/** `@logto/next` configuration of the traditional web app. */
export function getLogtoConfig(): LogtoNextConfig {
  if (logtoConfig) return logtoConfig;
  const baseUrl = required('BASE_URL').replace(/\/+$/, '');
  const audience = getOptions().logto.audience;
  logtoConfig = {
    endpoint: required('LOGTO_ENDPOINT'),
    appId: required('LOGTO_APP_ID'),
    // A public client (PKCE, no secret) leaves it empty; a Logto "Traditional web" app has one.
    appSecret: process.env.LOGTO_APP_SECRET?.trim() || undefined,
    baseUrl,
    cookieSecret: required('COOKIE_SECRET'),
    // Browsers drop Secure cookies on plain http (local development).
    cookieSecure: baseUrl.startsWith('https://'),
    // Ask for the API resource so Logto issues JWT access tokens for it (the Bearer API below).
    resources: Array.isArray(audience) ? audience : [audience],
    scopes: ['read:posts', 'write:posts'],
  };
  return logtoConfig;
}
