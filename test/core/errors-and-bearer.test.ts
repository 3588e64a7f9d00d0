/**
 * LogtoAuthError renders each code the way RFC 6750 and SPEC §2 fix it, and extractBearerToken
 * reads the Authorization header from every source a server framework hands over.
 */
import { describe, expect, it } from 'vitest';
import { assertScopes, extractBearerToken, isLogtoAuthError, LogtoAuthError, type BearerSource, type LogtoAuthErrorCode } from '../../src/index.js';

function thrownBy(action: () => unknown): LogtoAuthError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(LogtoAuthError);
    return error as LogtoAuthError;
  }
  throw new Error('expected a LogtoAuthError');
}

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

const token = 'eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJhIn0.c2ln';
const missing = ['missing_token', 401, 'Authorization header with a Bearer token is required.'];
const empty = ['invalid_request', 400, 'The Bearer token is empty.'];
const twoTokens = ['invalid_request', 400, 'The Authorization header holds more than one token.'];
const notToken68 = ['invalid_request', 400, 'The Bearer token contains characters outside the RFC 6750 token68 set.'];

const outcome = (source: BearerSource) => {
  const error = thrownBy(() => extractBearerToken(source));
  return [error.code, error.status, error.message];
};

describe('extractBearerToken reads every kind of source', () => {
  it('from a Request', () => {
    expect(extractBearerToken(new Request('https://api.example.com/posts', { headers: { authorization: `Bearer ${token}` } }))).toBe(token);
  });

  it('from a Headers', () => {
    expect(extractBearerToken(new Headers({ Authorization: `Bearer ${token}` }))).toBe(token);
  });

  it('from Node headers (IncomingHttpHeaders)', () => {
    expect(extractBearerToken({ authorization: `Bearer ${token}`, host: 'api.example.com' })).toBe(token);
  });

  it('from Node headers with a capitalised name', () => {
    expect(extractBearerToken({ Authorization: `Bearer ${token}` })).toBe(token);
  });

  it('from Node headers whose value is an array of one entry', () => {
    expect(extractBearerToken({ authorization: [`Bearer ${token}`] })).toBe(token);
  });

  it('from the raw header value', () => {
    expect(extractBearerToken(`Bearer ${token}`)).toBe(token);
  });

  it('from a request-like object whose headers are a Headers (e.g. a framework request)', () => {
    expect(extractBearerToken({ headers: new Headers({ authorization: `Bearer ${token}` }) } as unknown as Request)).toBe(token);
  });
});

describe('extractBearerToken: the scheme is case-insensitive', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts "%s"', (scheme) => {
    expect(extractBearerToken(`${scheme} ${token}`)).toBe(token);
  });

  it('tolerates surrounding whitespace and several spaces after the scheme', () => {
    expect(extractBearerToken(`  Bearer   ${token}  `)).toBe(token);
  });
});

describe('extractBearerToken: no credentials is missing_token (RFC 6750 §3.1: no error code)', () => {
  it.each<[string, BearerSource]>([
    ['undefined', undefined],
    ['null', null],
    ['a Request without Authorization', new Request('https://api.example.com/posts')],
    ['a Headers without Authorization', new Headers()],
    ['Node headers without authorization', { host: 'api.example.com' }],
    ['another scheme (Basic)', 'Basic YWxpY2U6c2VjcmV0'],
    ['another scheme in a Request (Basic)', new Request('https://api.example.com', { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } })],
    ['the DPoP scheme', `DPoP ${token}`],
    ['a token without a scheme', token],
    ['an empty header value: it carries no credentials', ''],
    ['an empty Node header value', { authorization: '' }],
    ['an empty header in a Headers', new Headers({ authorization: '' })],
    ['a header of spaces only', '   '],
  ])('%s', (_name, source) => {
    expect(outcome(source)).toEqual(missing);
  });
});

describe('extractBearerToken: a malformed Bearer credential is invalid_request (400)', () => {
  it.each<[string, BearerSource, unknown[]]>([
    ['"Bearer" alone', 'Bearer', empty],
    ['"Bearer " with a trailing space', 'Bearer ', empty],
    ['"bearer" alone in a Request', new Request('https://api.example.com', { headers: { authorization: 'bearer' } }), empty],
    ['two tokens', `Bearer ${token} ${token}`, twoTokens],
    ['two Authorization headers merged by Headers', (() => {
      const headers = new Headers();
      headers.append('authorization', `Bearer ${token}`);
      headers.append('authorization', `Bearer ${token}`);
      return headers;
    })(), twoTokens],
    ['a comma ("Bearer a,b")', 'Bearer a,b', notToken68],
    ['a double quote ("Bearer a"b")', 'Bearer a"b', notToken68],
    ['a quoted token', `Bearer "${token}"`, notToken68],
    ['unicode characters', 'Bearer tökén', notToken68],
    ['padding in the middle ("a=b")', 'Bearer a=b', notToken68],
    ['a semicolon', 'Bearer a;b', notToken68],
  ])('%s', (_name, source, expected) => {
    expect(outcome(source)).toEqual(expected);
  });

  it('Node headers with an array of two Authorization values', () => {
    expect(outcome({ authorization: [`Bearer ${token}`, 'Bearer other'] })).toEqual([
      'invalid_request',
      400,
      'More than one Authorization header was sent.',
    ]);
  });
});

describe('extractBearerToken accepts the whole token68 alphabet', () => {
  it.each(['abc=', 'abc==', 'a-b.c_d~e+f/g', 'A1'])('accepts "%s"', (value) => {
    expect(extractBearerToken(`Bearer ${value}`)).toBe(value);
  });
});
