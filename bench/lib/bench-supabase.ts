/** Supabase options for the benchmarks that make no real Supabase call (the URL is never reached). */
export const benchSupabase = {
  url: 'http://127.0.0.1:9',
  anonKey: 'sb_publishable_bench00000000000000',
  jwtSecret: 'bench-jwt-secret-0123456789abcdef0123456789',
};
