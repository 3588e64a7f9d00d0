/** assertScopes: every required scope must be held, compared as whole names. */
import { describe, expect, it } from 'vitest';
import { assertScopes } from '../../src/index.js';
import { thrownBy } from '../helpers/assertions.js';

describe('assertScopes compares whole scope names', () => {
  it('passes when every scope is held', () => {
    expect(() => assertScopes({ scopes: ['read:posts', 'write:posts'] }, 'write:posts', 'read:posts')).not.toThrow();
  });

  it('throws 403 insufficient_scope naming only the missing scopes, with every needed scope in the header', () => {
    const error = thrownBy(() => assertScopes({ scopes: ['read:posts'] }, 'read:posts', 'write:posts', 'delete:posts'));
    expect([error.code, error.status, error.message]).toEqual(['insufficient_scope', 403, 'The token lacks the required scope(s): write:posts delete:posts.']);
    expect(error.headers['WWW-Authenticate']).toContain('scope="read:posts write:posts delete:posts"');
  });

  it('never matches a substring ("read" is not held by "read:posts")', () => {
    expect(thrownBy(() => assertScopes({ scopes: ['read:posts'] }, 'read')).message).toBe('The token lacks the required scope(s): read.');
  });
});
