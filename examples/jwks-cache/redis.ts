/**
 * Logto's key set in Redis, shared by every instance of a fleet (README: "Running many
 * instances"). Works with node-redis (`createClient()`) and ioredis (`new Redis()`): string values.
 */
import type { JwksCache } from 'logto-supabase';

/** The two methods of a node-redis or ioredis client this needs. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

export const redisJwksCache = (redis: RedisLike): JwksCache => ({
  get: async (uri) => {
    const text = await redis.get(`jwks:${uri}`);
    return text ? JSON.parse(text) : undefined;
  },
  set: async (uri, jwks) => void (await redis.set(`jwks:${uri}`, JSON.stringify(jwks))),
});
