import { decodeJwt } from 'jose';

/** What a Supabase API key is, judged from its form alone (never sent anywhere). */
export type SupabaseKeyKind = 'publishable' | 'secret' | 'anon' | 'service_role' | 'user-jwt' | 'unknown';

export function supabaseKeyKind(key: string): SupabaseKeyKind {
  if (key.startsWith('sb_publishable_')) return 'publishable';
  if (key.startsWith('sb_secret_')) return 'secret';
  if (key.split('.').length !== 3) return 'unknown';
  try {
    const { role } = decodeJwt(key);
    if (role === 'anon' || role === 'service_role') return role;
    return 'user-jwt';
  } catch {
    return 'unknown';
  }
}

/** True where the code runs in a browser page, where a service-role key must never be. */
export const isBrowser = () =>
  typeof (globalThis as { window?: unknown }).window !== 'undefined' &&
  typeof (globalThis as { document?: unknown }).document !== 'undefined';
