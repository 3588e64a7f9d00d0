import type { LogtoAuth } from './auth.js';

export const defaultCacheEntries = 10_000;
/** Only the issuer can make signatures that verify; a few per token is already generous. */
const maxSignaturesPerToken = 4;

interface Entry {
  auth: LogtoAuth;
  /** Signatures that verified for this signing input: the only ones a hit may carry. */
  signatures: Set<string>;
}

/** `header.payload` (what the signature signs) and the signature of a compact JWS. */
function splitSignature(token: string): [input: string, signature: string] {
  const dot = token.lastIndexOf('.');
  return [token.slice(0, dot), token.slice(dot + 1)];
}

/**
 * Verified tokens, kept until they expire, least recently used evicted first. Keyed by the
 * signing input (`header.payload`), so the spellings of one token share one entry: an ECDSA
 * signature `(r, s)` has a twin `(r, n−s)` that verifies too. A hit needs a signature that
 * verified for that entry: a signature never verified is never trusted, it goes to the verifier.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxEntries: number = defaultCacheEntries) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, clockTolerance: number): LogtoAuth | undefined {
    const [input, signature] = splitSignature(token);
    const entry = this.entries.get(input);
    if (!entry?.signatures.has(signature)) return undefined;
    this.entries.delete(input);
    // Expired entries are dropped on sight; the caller then verifies the token and reports it expired.
    if (entry.auth.expiresAt + clockTolerance <= Date.now() / 1000) return undefined;
    this.entries.set(input, entry);
    return entry.auth;
  }

  /**
   * Keeps a token whose signature and claims have just verified, and returns the `LogtoAuth` to
   * hand out: the one already kept for another spelling of the same token, if any, so caches
   * keyed on `auth.token` downstream see one token too.
   */
  set(token: string, auth: LogtoAuth): LogtoAuth {
    const [input, signature] = splitSignature(token);
    const entry = this.entries.get(input) ?? { auth, signatures: new Set<string>() };
    if (entry.signatures.size < maxSignaturesPerToken) entry.signatures.add(signature);
    this.entries.delete(input);
    this.entries.set(input, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry.auth;
  }
}
