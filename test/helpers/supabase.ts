/** A made-up Supabase project the unit suites configure (no request ever reaches it). */
export const SUPABASE_URL = 'https://abcdefghijklmnopqrst.supabase.co';
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters';
export const PUBLISHABLE_KEY = 'sb_publishable_ZaGTF9nLbMcUD6RVm2fqGg_GxQzxy8l';
export const SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';
