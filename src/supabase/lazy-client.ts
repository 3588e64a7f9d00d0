import type { SupabaseClient } from '@supabase/supabase-js';

/**
 * A stand-in that makes the real client on first use, so a request whose handler never queries
 * Supabase pays nothing (no client, no minted JWT). Every operation is forwarded to the client.
 */
export function lazySupabaseClient<Database = any>(make: () => SupabaseClient<Database>): SupabaseClient<Database> {
  let client: SupabaseClient<Database> | undefined;
  const real = () => (client ??= make()) as unknown as object;
  return new Proxy({} as SupabaseClient<Database>, {
    get: (_target, property) => Reflect.get(real(), property),
    set: (_target, property, value) => Reflect.set(real(), property, value),
    has: (_target, property) => Reflect.has(real(), property),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), property);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
