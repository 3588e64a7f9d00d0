import type { Env } from 'logto-supabase';
import type { LocalStack } from '../local-stack/src/index.js';

/**
 * The environment variables `fromEnv` reads, pointing at the local stack: the samples read the
 * same variables whether they run against it or against a real Logto tenant and Supabase project.
 */
export function stackEnv({ options }: LocalStack): Env {
  const { logto, supabase, machines } = options;
  return {
    LOGTO_ENDPOINT: logto.endpoint,
    LOGTO_AUDIENCE: [logto.audience].flat().join(','),
    SUPABASE_URL: supabase.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
    SUPABASE_JWT_SECRET: supabase.jwtSecret,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS: machines?.serviceRole?.clientIds?.join(','),
  };
}
