import type { SupabaseClient } from '@supabase/supabase-js';
import { showInLogsAs } from '../core/redact.js';

/**
 * A stand-in that makes (or fetches) the real client when the handler first touches it, so a
 * request whose handler never uses Supabase pays nothing. Every operation is forwarded to it,
 * except logging: `JSON.stringify` and `util.inspect` show `summary` (a real client holds its key
 * and is circular), and do not make the client.
 */
export function lazySupabaseClient<Database = any>(make: () => SupabaseClient<Database>, summary: object = {}): SupabaseClient<Database> {
  let client: SupabaseClient<Database> | undefined;
  const real = () => (client ??= make()) as unknown as object;
  const view = () => summary;
  // util.inspect reads a proxy's target without its traps: the target carries the view.
  return new Proxy(showInLogsAs({}, view) as SupabaseClient<Database>, {
    get: (_target, property) => (property === 'toJSON' ? view : Reflect.get(real(), property)),
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
