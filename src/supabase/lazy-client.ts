import type { SupabaseClient } from '@supabase/supabase-js';

/**
 * A stand-in that makes (or fetches) the real client when the handler first touches it, so a
 * request whose handler never uses Supabase pays nothing. Every operation is forwarded to it.
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
