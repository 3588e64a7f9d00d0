/**
 * A Supabase Edge Function (Deno) that trusts Logto access tokens: `GET` with
 * `Authorization: Bearer <Logto access token>` → the caller's posts, read as that user, so
 * Row-Level Security decides. Served with `verify_jwt = false` (supabase/config.toml): Supabase's
 * gateway accepts only Supabase's own JWTs and would refuse every Logto token with 401 first.
 */
import { createLogtoSupabase, fromEnv, isLogtoAuthError, supabaseErrorReply } from 'npm:logto-supabase@^0.1.0';

// Secrets named SUPABASE_* are reserved for Supabase's own (SUPABASE_URL, SUPABASE_ANON_KEY are
// given to every function): the key that mints Supabase JWTs is set as LOGTO_SUPABASE_JWT_SECRET
// (the project's JWT secret) or LOGTO_SUPABASE_SIGNING_KEY (an imported private JWK, as JSON).
const env = Deno.env.toObject();
const bridge = createLogtoSupabase(
  fromEnv({ ...env, SUPABASE_JWT_SECRET: env.LOGTO_SUPABASE_JWT_SECRET, SUPABASE_SIGNING_KEY: env.LOGTO_SUPABASE_SIGNING_KEY }),
);

// Browsers call functions cross-origin: answer the preflight, and name the headers they may send.
const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',
};

Deno.serve(async (request) => {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
  try {
    const { supabase } = await bridge.authenticate(request);
    const { data, error } = await supabase.from('posts').select('id, user_id, title, body').order('id');
    if (error) {
      const { status, body } = supabaseErrorReply(error);
      return Response.json(body, { status, headers: cors });
    }
    return Response.json(data, { headers: cors });
  } catch (error) {
    if (!isLogtoAuthError(error)) throw error;
    return Response.json(error.toJSON(), { status: error.status, headers: { ...cors, ...error.headers } });
  }
});
