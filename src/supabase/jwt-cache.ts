import { mintSupabaseJwt, type MintedJwt, type SubjectOrAuth } from './sign.js';
import type { ResolvedSupabaseOptions } from './options.js';

const maxEntries = 10_000;
/** Re-mint when a JWT has less than this left (unless it is capped by the Logto token's expiry). */
const refreshBeforeSeconds = 60;
/** Never hand out a JWT this close to its expiry: it could expire in flight. */
const minimumLifetimeSeconds = 5;

interface Entry {
  pending: Promise<MintedJwt>;
  minted?: MintedJwt;
}

/**
 * One cache per resolved options: JWTs minted under another key, lifetime or subject mode
 * (`jwt.subject`, `jwt.uuidNamespace`) never meet (test/core/uuid-subject.test.ts).
 */
const caches = new WeakMap<ResolvedSupabaseOptions, Map<string, Entry>>();

function isFresh({ expiresAt, capped }: MintedJwt, now: number): boolean {
  const left = expiresAt - now;
  return left > minimumLifetimeSeconds && (capped || left > refreshBeforeSeconds);
}

/**
 * The minted JWT for a subject or Logto token, made once and reused until shortly before it
 * expires; concurrent callers share one signing. Bounded: the oldest entries go first.
 */
export function cachedSupabaseJwt(subjectOrAuth: SubjectOrAuth, options: ResolvedSupabaseOptions): Promise<string> {
  return cachedMintedJwt(subjectOrAuth, options).then(({ jwt }) => jwt);
}

/** The same cached JWT with its expiry: what the token exchange answers. */
export function cachedMintedJwt(subjectOrAuth: SubjectOrAuth, options: ResolvedSupabaseOptions): Promise<MintedJwt> {
  let cache = caches.get(options);
  if (!cache) {
    cache = new Map();
    caches.set(options, cache);
  }
  const key = typeof subjectOrAuth === 'string' ? `sub:${subjectOrAuth}` : `jwt:${subjectOrAuth.token}`;
  const entry = cache.get(key);
  if (entry && (!entry.minted || isFresh(entry.minted, Date.now() / 1000))) {
    return entry.pending;
  }
  const next: Entry = { pending: mintSupabaseJwt(subjectOrAuth, options) };
  next.pending.then(
    (minted) => {
      next.minted = minted;
    },
    () => {
      if (cache.get(key) === next) cache.delete(key);
    },
  );
  cache.delete(key);
  cache.set(key, next);
  if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
  return next.pending;
}
