/**
 * Logto's key set in a Cloudflare Workers KV namespace, shared by every isolate of the worker
 * (README: "Running many instances"). Bind a namespace in wrangler.toml
 * (`kv_namespaces = [{ binding = "JWKS", id = "…" }]`) and pass `env.JWKS`.
 */
import type { JsonWebKeySet, JwksCache } from 'logto-supabase';

/** The two methods of a Workers `KVNamespace` this needs. */
export interface KvNamespaceLike {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
}

export const kvJwksCache = (kv: KvNamespaceLike): JwksCache => ({
  get: async (uri) => ((await kv.get(`jwks:${uri}`, 'json')) ?? undefined) as JsonWebKeySet | undefined,
  set: (uri, jwks) => kv.put(`jwks:${uri}`, JSON.stringify(jwks)),
});
