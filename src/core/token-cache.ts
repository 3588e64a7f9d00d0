import type { LogtoAuth } from './auth.js';
import { LogtoSupabaseConfigError } from './errors.js';

export const defaultCacheEntries = 10_000;

/**
 * Verified tokens, kept until they expire, least recently used evicted first. Only tokens whose
 * signature and claims verified are stored, keyed by the whole token: another signature is
 * another key.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, LogtoAuth>();
  readonly maxEntries: number;

  constructor(maxEntries: number = defaultCacheEntries, option = 'maxEntries') {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new LogtoSupabaseConfigError(option, 'must be a whole number of 1 or more (or set cache: false).');
    }
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  get(token: string, clockTolerance: number): LogtoAuth | undefined {
    const auth = this.entries.get(token);
    if (!auth) return undefined;
    this.entries.delete(token);
    // Expired entries are dropped on sight; the caller then verifies the token and reports it expired.
    if (auth.expiresAt + clockTolerance <= Date.now() / 1000) return undefined;
    this.entries.set(token, auth);
    return auth;
  }

  set(token: string, auth: LogtoAuth): void {
    this.entries.delete(token);
    this.entries.set(token, auth);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
