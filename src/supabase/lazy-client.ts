import type { SupabaseClient } from '@supabase/supabase-js';
import { inspectCustom } from '../core/redact.js';

/** Reads a stand-in's state through the proxy (util.inspect calls the target's method with the proxy as `this`). */
const state = Symbol('stand-in state');

/** A stand-in's state, kept in its proxy target: how to make the client, the client once made, what logs show. */
class Pending {
  client: object | undefined = undefined;

  constructor(
    readonly make: () => object,
    readonly summary: object,
  ) {}

  real(): object {
    return (this.client ??= this.make());
  }

  toJSON(): object {
    return this.summary;
  }

  // util.inspect reads a proxy's target without its traps, and calls this with the proxy as `this`.
  [inspectCustom](this: Pending & { [state]?: Pending }): object {
    return (this[state] ?? this).summary;
  }
}

/** One handler for every stand-in (each keeps its state in its target), so a stand-in costs two small objects. */
const forwarding: ProxyHandler<Pending> = {
  get: (target, property) => {
    if (property === state) return target;
    if (property === 'toJSON') return () => target.summary;
    return Reflect.get(target.real(), property);
  },
  set: (target, property, value) => Reflect.set(target.real(), property, value),
  has: (target, property) => Reflect.has(target.real(), property),
  getPrototypeOf: (target) => Reflect.getPrototypeOf(target.real()),
  ownKeys: (target) => Reflect.ownKeys(target.real()),
  getOwnPropertyDescriptor: (target, property) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(target.real(), property);
    return descriptor && { ...descriptor, configurable: true };
  },
};

/**
 * A stand-in that makes (or fetches) the real client when the handler first touches it, so a
 * request whose handler never uses Supabase pays nothing. Every operation is forwarded to it,
 * except logging: `JSON.stringify` and `util.inspect` show `summary` (a real client holds its key
 * and is circular), and do not make the client.
 */
export function lazySupabaseClient<Database = any>(make: () => SupabaseClient<Database>, summary: object = {}): SupabaseClient<Database> {
  return new Proxy(new Pending(make, summary), forwarding) as unknown as SupabaseClient<Database>;
}
