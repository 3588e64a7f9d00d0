/**
 * LogtoAuthError renders each code the way RFC 6750 and SPEC §2 fix it: status, WWW-Authenticate
 * or Retry-After, the JSON body, and a machine-readable reason for invalid tokens.
 */
import { describe, expect, it } from 'vitest';
import { isLogtoAuthError, LogtoAuthError, type LogtoAuthErrorCode } from '../../src/index.js';

describe('LogtoAuthError carries the status and headers of its code', () => {
  it('missing_token: 401 and a bare Bearer realm, with no error attribute (RFC 6750 §3.1)', () => {
    const error = new LogtoAuthError('missing_token', 'Authorization header with a Bearer token is required.');
    expect(error.status).toBe(401);
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"' });
  });

  it('invalid_request: 400 with error and error_description', () => {
    const error = new LogtoAuthError('invalid_request', 'The Bearer token is empty.');
    expect(error.status).toBe(400);
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_request", error_description="The Bearer token is empty."',
    });
  });

  it('invalid_token: 401 with error and error_description', () => {
    const error = new LogtoAuthError('invalid_token', 'The access token expired.');
    expect(error.status).toBe(401);
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token expired."',
    });
  });

  it('insufficient_scope: 403 with scope="…" naming the needed scopes', () => {
    const error = new LogtoAuthError('insufficient_scope', 'The token lacks the required scope(s): write:posts.', { scopes: ['read:posts', 'write:posts'] });
    expect(error.status).toBe(403);
    expect(error.scopes).toEqual(['read:posts', 'write:posts']);
    expect(error.headers).toEqual({
      'WWW-Authenticate':
        'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the required scope(s): write:posts.", scope="read:posts write:posts"',
    });
  });

  it('jwks_unavailable: 503 with Retry-After and no WWW-Authenticate (an outage is not the client\'s fault)', () => {
    const error = new LogtoAuthError('jwks_unavailable', 'The signing keys of the Logto issuer could not be loaded.', { retryAfter: 7 });
    expect(error.status).toBe(503);
    expect(error.headers).toEqual({ 'Retry-After': '7' });
  });

  it('jwks_unavailable defaults Retry-After to 30 seconds', () => {
    expect(new LogtoAuthError('jwks_unavailable', 'down').headers).toEqual({ 'Retry-After': '30' });
  });

  it('names a custom realm', () => {
    expect(new LogtoAuthError('missing_token', 'x', { realm: 'posts-api' }).headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="posts-api"' });
  });

  it('strips quotes, backslashes and non-ASCII from quoted header values, so a message cannot break the header', () => {
    const error = new LogtoAuthError('invalid_token', 'bad "quoted" \\ value\r\nInjected: yes ü');
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="bad quoted  valueInjected: yes "');
  });

  it('is an Error named LogtoAuthError with its code, recognised by isLogtoAuthError', () => {
    const error = new LogtoAuthError('invalid_token', 'nope');
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message]).toEqual(['LogtoAuthError', 'invalid_token', 'nope']);
    expect(isLogtoAuthError(error)).toBe(true);
    expect(isLogtoAuthError(new Error('nope'))).toBe(false);
    // A copy from the other module format (CJS vs ESM) is not instanceof, but is recognised.
    const foreign = Object.assign(new Error('nope'), { name: 'LogtoAuthError', status: 401 });
    expect(isLogtoAuthError(foreign)).toBe(true);
  });
});

describe('LogtoAuthError.toResponse() is a JSON response with the status and headers', () => {
  const cases: [LogtoAuthErrorCode, number, Record<string, string>][] = [
    ['missing_token', 401, { 'www-authenticate': 'Bearer realm="api"' }],
    ['invalid_request', 400, { 'www-authenticate': 'Bearer realm="api", error="invalid_request", error_description="Something is off."' }],
    ['invalid_token', 401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="Something is off."' }],
    [
      'insufficient_scope',
      403,
      { 'www-authenticate': 'Bearer realm="api", error="insufficient_scope", error_description="Something is off.", scope="write:posts"' },
    ],
    ['jwks_unavailable', 503, { 'retry-after': '30' }],
  ];

  it.each(cases)('%s → %i', async (code, status, headers) => {
    const response = new LogtoAuthError(code, 'Something is off.', { scopes: ['write:posts'] }).toResponse();
    expect(response.status).toBe(status);
    expect(Object.fromEntries(response.headers)).toEqual({ 'content-type': 'application/json', ...headers });
    expect(await response.json()).toEqual({ error: code, error_description: 'Something is off.' });
  });

  it('serialises to { error, error_description } with JSON.stringify', () => {
    expect(JSON.parse(JSON.stringify(new LogtoAuthError('invalid_token', 'The access token expired.')))).toEqual({
      error: 'invalid_token',
      error_description: 'The access token expired.',
    });
  });
});

describe('LogtoAuthError.reason says why a token is invalid_token, for programs to switch on', () => {
  it('carries the reason it was made with', () => {
    const error = new LogtoAuthError('invalid_token', 'The access token expired.', { reason: 'expired' });
    expect([error.code, error.reason, error.status]).toEqual(['invalid_token', 'expired', 401]);
  });

  it('is undefined when none is given (the other codes say it all)', () => {
    expect(new LogtoAuthError('missing_token', 'x').reason).toBeUndefined();
  });

  it('stays out of the response body and headers: the RFC 6750 answer is unchanged', async () => {
    const response = new LogtoAuthError('invalid_token', 'The token signature is not valid.', { reason: 'signature' }).toResponse();
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'The token signature is not valid.' });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token", error_description="The token signature is not valid."');
  });
});
