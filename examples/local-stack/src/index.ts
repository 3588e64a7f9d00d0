/**
 * The local stack: a Logto stand-in (oidc-provider, configured as Logto) and a Supabase stand-in
 * (real Postgres with RLS behind a PostgREST-compatible endpoint), on free loopback ports.
 * For local development and tests only: it is not a Supabase or Logto replacement.
 */
import type { LogtoSupabaseOptions } from '../../../src/index.js';
import { api, apps } from './fixtures.js';
import { startLocalLogto, type LocalLogto, type LocalLogtoOptions } from './logto.js';
import { startLocalSupabase, type LocalSupabase, type LocalSupabaseOptions } from './supabase.js';

export * from './fixtures.js';
export { organizationResource, startLocalLogto, type LocalLogto } from './logto.js';
export { managementResource, type LocalManagementApi } from './management-api.js';
export { startLocalSupabase, type LocalSupabase } from './supabase.js';

export interface LocalStackOptions {
  logto?: LocalLogtoOptions;
  /** Options of the Supabase stand-in; `databaseUrl` defaults to `$DATABASE_URL`, else embedded PGlite. */
  supabase?: Omit<LocalSupabaseOptions, 'thirdParty'>;
  /** Also trust the Logto stand-in directly, as Supabase third-party auth does. */
  thirdParty?: boolean;
}

export interface LocalStack {
  logto: LocalLogto;
  supabase: LocalSupabase;
  /** `createLogtoSupabase` options pointing at this stack (mint mode, HS256 secret, admin job allowlisted). */
  options: LogtoSupabaseOptions;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logto = await startLocalLogto(options.logto);
  let supabase: LocalSupabase;
  try {
    supabase = await startLocalSupabase({
      databaseUrl: process.env.DATABASE_URL,
      ...options.supabase,
      ...(options.thirdParty ? { thirdParty: { issuer: logto.issuer, jwksUri: logto.jwksUri } } : {}),
    });
  } catch (error) {
    await logto.stop();
    throw error;
  }
  return {
    logto,
    supabase,
    options: {
      logto: { endpoint: logto.endpoint, audience: api.resource },
      supabase: {
        url: supabase.url,
        anonKey: supabase.anonKey,
        jwtSecret: supabase.jwtSecret,
        serviceRoleKey: supabase.serviceRoleKey,
      },
      machines: { serviceRole: { clientIds: [apps.adminJob.clientId] } },
    },
    async stop() {
      await Promise.all([logto.stop(), supabase.stop()]);
    },
  };
}
