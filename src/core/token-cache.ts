import type { LogtoAuth } from './auth.js';

export const defaultCacheEntries = 10_000;
/** Only the issuer can make signatures that verify; a few per token is already generous. */
const maxSignaturesPerToken = 4;
/**
 * How much of a token's end indexes it: hashing a fresh ~1 KB string on every request costs more
 * than the rest of a hit. 16 base64url characters of the signature are 96 bits.
 */
const indexedEnd = 16;

interface Entry {
  auth: LogtoAuth;
  /** `header.payload`, what the signatures sign. */
  input: string;
  /** The spellings of the token that verified (same input, another signature): the only ones a hit may be. */
  tokens: string[];
}

/** `header.payload` (what the signature signs) of a compact JWS. */
const signingInput = (token: string) => token.slice(0, token.lastIndexOf('.'));

const endOf = (token: string) => token.slice(-indexedEnd);

/**
 * Verified tokens, kept until they expire, least recently used evicted first. Keyed by the
 * signing input (`header.payload`), so the spellings of one token share one entry: an ECDSA
 * signature `(r, s)` has a twin `(r, n−s)` that verifies too. A hit is a token equal to a
 * spelling that verified: a signature never verified is never trusted, it goes to the verifier.
 * Lookups go through the end of the token (`indexedEnd`), then compare the whole token.
 */
export class VerifiedTokenCache {
  /** By signing input, least recently used first. */
  private readonly entries = new Map<string, Entry>();
  /** By the end of each verified spelling (a collision only costs a verification). */
  private readonly byEnd = new Map<string, Entry>();

  constructor(readonly maxEntries: number = defaultCacheEntries) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, clockTolerance: number): LogtoAuth | undefined {
    const entry = this.byEnd.get(endOf(token));
    if (!entry?.tokens.includes(token)) return undefined;
    // Expired entries are dropped on sight; the caller then verifies the token and reports it expired.
    if (entry.auth.expiresAt + clockTolerance <= Date.now() / 1000) {
      this.drop(entry);
      return undefined;
    }
    this.entries.delete(entry.input);
    this.entries.set(entry.input, entry);
    return entry.auth;
  }

  /**
   * Keeps a token whose signature and claims have just verified, and returns the `LogtoAuth` to
   * hand out: the one already kept for another spelling of the same token, if any, so caches
   * keyed on `auth.token` downstream see one token too.
   */
  set(token: string, auth: LogtoAuth): LogtoAuth {
    const input = signingInput(token);
    const entry = this.entries.get(input) ?? { auth, input, tokens: [] };
    if (!entry.tokens.includes(token) && entry.tokens.length < maxSignaturesPerToken) {
      entry.tokens.push(token);
      this.byEnd.set(endOf(token), entry);
    }
    this.entries.delete(input);
    this.entries.set(input, entry);
    if (this.entries.size > this.maxEntries) this.drop(this.entries.values().next().value!);
    return entry.auth;
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.input);
    for (const token of entry.tokens) {
      const end = endOf(token);
      if (this.byEnd.get(end) === entry) this.byEnd.delete(end);
    }
  }
}
