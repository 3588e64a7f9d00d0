import type { LogtoAuth } from './auth.js';
import { LogtoAuthError } from './errors.js';

/**
 * Throws `insufficient_scope` (403, naming the missing scopes) unless the token holds every
 * scope. Scopes are compared whole: `read` never matches `read:posts`.
 *
 * @throws {LogtoAuthError} `insufficient_scope` (403) naming the missing scopes.
 * @example
 * assertScopes(auth, 'write:posts');
 */
export function assertScopes(auth: Pick<LogtoAuth, 'scopes'>, ...scopes: string[]): void {
  const missing = missingScopes(auth, scopes);
  if (missing.length > 0) {
    throw new LogtoAuthError('insufficient_scope', `The token lacks the required scope(s): ${missing.join(' ')}.`, {
      scopes,
    });
  }
}

/** The scopes of `scopes` the token does not hold (whole names only). */
export function missingScopes(auth: Pick<LogtoAuth, 'scopes'>, scopes: readonly string[]): string[] {
  return scopes.filter((scope) => !auth.scopes.includes(scope));
}
