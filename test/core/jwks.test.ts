/**
 * The remote key set against a hosted Logto tenant played by msw: how often it is fetched, how
 * rotation is followed, and how outages and hostile answers become 503 (never 401).
 */
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejectionOf } from '../helpers/assertions.js';
import { RecordingLogger } from '../helpers/logger.js';
import { clearJwksCache, createLogtoVerifier, verifyLogtoToken, type LogtoAuthError, type LogtoVerifierOptions } from '../../src/index.js';
import { AUDIENCE, ENDPOINT, JWKS_URI, generateTestKey, jwksOf, signToken, USER_ID } from '../helpers/tokens.js';

const currentKey = await generateTestKey('ES384', 'logto-current');
const nextKey = await generateTestKey('ES384', 'logto-next');
const strangerKey = await generateTestKey('ES384', 'stranger');

const server = setupServer();
/** JWKS requests the tenant received since the handler was installed. */
let requests = 0;
let attackerRequests = 0;

/** Installs the tenant's JWKS endpoint; `answer` is called on every request. */
function tenantServes(answer: () => Response | Promise<Response>): void {
  requests = 0;
  server.use(
    http.get(JWKS_URI, () => {
      requests += 1;
      return answer();
    }),
  );
}

const options = (overrides: Partial<LogtoVerifierOptions> = {}): LogtoVerifierOptions => ({ endpoint: ENDPOINT, audience: AUDIENCE, ...overrides });


const unknownKid = 'The token was signed with a key ("kid") that the issuer does not publish.';
const coolingDown = (seconds: number) => `The token was signed with a key ("kid") that is not in the key set yet: a new key set will be fetched after ${seconds} s.`;
/** Clients get one fixed message; the reason is the error's `cause`, for the operator. */
const unavailable = 'The signing keys of the Logto issuer could not be loaded.';
const outage = (error: LogtoAuthError) => [error.code, error.status, error.message, (error.cause as Error | undefined)?.message];

/** Moves the (faked) clock forward; timers stay real so msw and AbortSignal.timeout still work. */
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  attackerRequests = 0;
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
});
afterEach(() => {
  server.resetHandlers();
  clearJwksCache();
  vi.useRealTimers();
});
afterAll(() => server.close());

describe('JWKS requests are merged and shared', () => {
  it('makes one request for 50 concurrent cold verifications', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const verify = createLogtoVerifier(options());
    const tokens = await Promise.all(Array.from({ length: 50 }, () => signToken(currentKey)));
    const results = await Promise.all(tokens.map((token) => verify(token)));
    expect(results.map((auth) => auth.userId)).toEqual(Array.from({ length: 50 }, () => USER_ID));
    expect(requests).toBe(1);
  });

  it('lets two verifiers of the same endpoint share one request', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const first = createLogtoVerifier(options());
    const second = createLogtoVerifier(options({ audience: 'https://other-api.example.com' }));
    await first(await signToken(currentKey));
    await second(await signToken(currentKey, { claims: { aud: 'https://other-api.example.com' } }));
    await verifyLogtoToken(await signToken(currentKey), options());
    expect(requests).toBe(1);
  });
});

describe('an unknown kid re-fetches the key set once per cooldown', () => {
  it('re-fetches once for an unknown kid, then refuses a second unknown kid within the cooldown without a request', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const verify = createLogtoVerifier(options({ jwksCooldownMs: 30_000 }));
    await verify(await signToken(currentKey));
    expect(requests).toBe(1);

    advance(31_000);
    const first = await rejectionOf(verify(await signToken(strangerKey)));
    expect([first.code, first.status, first.message]).toEqual(['invalid_token', 401, unknownKid]);
    expect(requests).toBe(2);

    const second = await rejectionOf(verify(await signToken(strangerKey, { header: { kid: 'another-unknown' } })));
    expect([second.code, second.status, second.message]).toEqual(['invalid_token', 401, coolingDown(30)]);
    expect(requests).toBe(2);

    advance(31_000);
    await rejectionOf(verify(await signToken(strangerKey)));
    expect(requests).toBe(3);
  });

  it('re-fetches for the first unknown kid even right after the first load, then not again within the cooldown', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const verify = createLogtoVerifier(options());
    await verify(await signToken(currentKey));
    expect((await rejectionOf(verify(await signToken(strangerKey)))).message).toBe(unknownKid);
    expect(requests).toBe(2);
    expect((await rejectionOf(verify(await signToken(strangerKey)))).message).toBe(coolingDown(30));
    expect(requests).toBe(2);
  });
});

describe('key rotation, the way Logto does it', () => {
  it('verifies a token of the Next key after one re-fetch, and keeps the Previous key', async () => {
    let published = jwksOf(currentKey);
    tenantServes(() => HttpResponse.json(published));
    const verify = createLogtoVerifier(options());
    await verify(await signToken(currentKey));
    expect(requests).toBe(1);

    // Logto publishes the Next key, then starts signing with it; the old one stays as Previous.
    published = jwksOf(nextKey, currentKey);
    advance(31_000);
    expect((await verify(await signToken(nextKey))).userId).toBe(USER_ID);
    expect(requests).toBe(2);
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect((await verify(await signToken(nextKey))).userId).toBe(USER_ID);
    expect(requests).toBe(2);
  });

  it('needs no re-fetch when the Next key was already published at the first load', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey, nextKey)));
    const verify = createLogtoVerifier(options());
    await verify(await signToken(currentKey));
    await verify(await signToken(nextKey));
    expect(requests).toBe(1);
  });
});

describe('a cold outage is 503 jwks_unavailable with Retry-After, never 401', () => {
  it.each([500, 503, 404])('answers HTTP %i from the JWKS endpoint with 503', async (status) => {
    tenantServes(() => new HttpResponse('upstream trouble', { status }));
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect(outage(error)).toEqual(['jwks_unavailable', 503, unavailable, `the JWKS endpoint answered HTTP ${status}`]);
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    expect(requests).toBe(1);
  });

  it('answers a network error with 503', async () => {
    tenantServes(() => HttpResponse.error());
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect([error.code, error.status]).toEqual(['jwks_unavailable', 503]);
    expect(error.headers['WWW-Authenticate']).toBeUndefined();
  });

  it('fails fast for a second after a failed cold fetch, then tries again', async () => {
    tenantServes(() => new HttpResponse(null, { status: 500 }));
    const verify = createLogtoVerifier(options());
    const token = await signToken(currentKey);
    await rejectionOf(verify(token));
    const fast = await rejectionOf(verify(token));
    expect([fast.code, fast.message]).toEqual(['jwks_unavailable', unavailable]);
    expect(requests).toBe(1);

    advance(1_100);
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    expect((await verify(token)).userId).toBe(USER_ID);
    expect(requests).toBe(1);
  });

  it('gives up after jwksTimeoutMs (200 ms) with 503, within a second', async () => {
    tenantServes(async () => {
      await delay(5_000);
      return HttpResponse.json(jwksOf(currentKey));
    });
    const token = await signToken(currentKey);
    const started = performance.now();
    const error = await rejectionOf(verifyLogtoToken(token, options({ jwksTimeoutMs: 200 })));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(outage(error)).toEqual(['jwks_unavailable', 503, unavailable, 'timed out']);
    expect(error.headers['Retry-After']).toBe('1');
  });
});

describe('a hostile or broken key set is refused with 503', () => {
  const cases: [string, () => Response, string][] = [
    ['malformed JSON', () => new HttpResponse('{"keys": [', { headers: { 'content-type': 'application/json' } }), 'the JWKS endpoint answered with malformed JSON'],
    ['an empty key set', () => HttpResponse.json({ keys: [] }), 'the JWKS endpoint answered, but it holds no keys'],
    ['a body that is not a key set', () => HttpResponse.json([currentKey.publicJwk]), 'the JWKS endpoint answered, but it is not a JSON Web Key Set ({ "keys": [...] })'],
    ['a key without kty', () => HttpResponse.json({ keys: [{ kid: 'x' }] }), 'the JWKS endpoint answered, but a key has no "kty"'],
    [
      'a set of 10,000 keys',
      () => HttpResponse.json({ keys: Array.from({ length: 10_000 }, (_, index) => ({ kty: 'EC', kid: String(index) })) }),
      'the JWKS endpoint answered, but it holds more than 100 keys',
    ],
    ['a 2 MB body (declared length)', () => new HttpResponse(' '.repeat(2 * 1024 * 1024), { headers: { 'content-length': String(2 * 1024 * 1024) } }), 'the key set is larger than 524288 bytes'],
    [
      'a 2 MB body streamed without a length',
      () => {
        const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= 32) return controller.close();
            sent += 1;
            controller.enqueue(chunk);
          },
        });
        return new HttpResponse(body, { headers: { 'content-type': 'application/json' } });
      },
      'the key set is larger than 524288 bytes',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, answer, reason) => {
    tenantServes(answer);
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect(outage(error)).toEqual(['jwks_unavailable', 503, unavailable, reason]);
    expect(requests).toBe(1);
  });

  it('does not follow a 302 redirect to an attacker key set', async () => {
    server.use(
      http.get('https://attacker.example/jwks', () => {
        attackerRequests += 1;
        return HttpResponse.json(jwksOf(strangerKey));
      }),
    );
    tenantServes(() => new HttpResponse(null, { status: 302, headers: { location: 'https://attacker.example/jwks' } }));
    const error = await rejectionOf(verifyLogtoToken(await signToken(strangerKey), options()));
    expect(outage(error)).toEqual(['jwks_unavailable', 503, unavailable, 'the JWKS endpoint answered HTTP 302']);
    expect(requests).toBe(1);
    expect(attackerRequests).toBe(0);
  });

  it('does not use a key published for encryption (use: "enc")', async () => {
    tenantServes(() => HttpResponse.json({ keys: [{ ...currentKey.publicJwk, use: 'enc' }] }));
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect([error.code, error.status, error.message]).toEqual(['invalid_token', 401, unknownKid]);
  });

  it('does not use a key whose "alg" differs from the token\'s', async () => {
    tenantServes(() => HttpResponse.json({ keys: [{ ...currentKey.publicJwk, alg: 'ES256' }] }));
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect([error.code, error.status, error.message]).toEqual(['invalid_token', 401, unknownKid]);
  });

  it('does not use a key whose key_ops exclude "verify"', async () => {
    tenantServes(() => HttpResponse.json({ keys: [{ ...currentKey.publicJwk, key_ops: ['encrypt'] }] }));
    const error = await rejectionOf(verifyLogtoToken(await signToken(currentKey), options()));
    expect(error.message).toBe(unknownKid);
  });
});

describe('a warm outage does not stop tokens signed by known keys', () => {
  it('keeps verifying known kids while the JWKS endpoint fails, with no request', async () => {
    let healthy = true;
    tenantServes(() => (healthy ? HttpResponse.json(jwksOf(currentKey)) : new HttpResponse(null, { status: 503 })));
    const verify = createLogtoVerifier(options());
    await verify(await signToken(currentKey));
    healthy = false;
    advance(60_000);
    for (let index = 0; index < 3; index += 1) expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(requests).toBe(1);
  });

  it('keeps the keys when a refresh of a key set older than jwksMaxAgeMs fails', async () => {
    let healthy = true;
    tenantServes(() => (healthy ? HttpResponse.json(jwksOf(currentKey)) : new HttpResponse(null, { status: 500 })));
    const verify = createLogtoVerifier(options({ jwksMaxAgeMs: 60_000, jwksCooldownMs: 30_000 }));
    await verify(await signToken(currentKey));
    healthy = false;

    advance(61_000);
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(requests).toBe(2);
    // Within the cooldown the failed refresh is not retried on every request.
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(requests).toBe(2);
  });

  it('keeps the keys when a stale refresh times out', async () => {
    let healthy = true;
    tenantServes(async () => {
      if (healthy) return HttpResponse.json(jwksOf(currentKey));
      await delay(5_000);
      return HttpResponse.json({ keys: [] });
    });
    const verify = createLogtoVerifier(options({ jwksMaxAgeMs: 60_000, jwksTimeoutMs: 200 }));
    await verify(await signToken(currentKey));
    healthy = false;
    advance(61_000);
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    expect(requests).toBe(2);
  });

  it('refreshes a stale key set in the background, without holding up the request that found it stale', async () => {
    let published = jwksOf(currentKey);
    tenantServes(() => HttpResponse.json(published));
    const verify = createLogtoVerifier(options({ jwksMaxAgeMs: 60_000 }));
    await verify(await signToken(currentKey));
    published = jwksOf(nextKey);
    advance(61_000);
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    await vi.waitFor(() => expect(requests).toBe(2));
    // The refresh dropped the retired key, so its tokens are refused from now on (after one
    // unknown-kid re-fetch, in case the key came back).
    const error = await rejectionOf(verify(await signToken(currentKey)));
    expect(error.message).toBe(unknownKid);
    expect((await verify(await signToken(nextKey))).userId).toBe(USER_ID);
    expect(requests).toBe(3);
  });
});

describe('clearJwksCache forgets every key set', () => {
  it('forgets a key set made with a custom logto.fetch: a withdrawn key is no longer trusted after the call', async () => {
    let published = jwksOf(currentKey);
    let customRequests = 0;
    const customFetch: typeof fetch = async () => {
      customRequests += 1;
      return Response.json(published);
    };
    const verify = createLogtoVerifier(options({ fetch: customFetch, cache: false }));
    await verify(await signToken(currentKey));
    // The key is withdrawn (compromised): the issuer stops publishing it and the operator clears the cache.
    published = jwksOf(nextKey);
    clearJwksCache();
    const error = await rejectionOf(verify(await signToken(currentKey)));
    expect([error.code, error.message]).toEqual(['invalid_token', unknownKid]);
    expect(customRequests).toBe(2);
    expect((await verify(await signToken(nextKey))).userId).toBe(USER_ID);
  });
});

describe('the operator log (logto.logger)', () => {
  const uri = JWKS_URI;

  it('reports the configuration, the key set loaded, and a rotation learnt with the kids added and removed', async () => {
    let published = jwksOf(currentKey);
    tenantServes(() => HttpResponse.json(published));
    const logger = new RecordingLogger();
    const verify = createLogtoVerifier(options({ logger }));
    await verify(await signToken(currentKey));
    published = jwksOf(nextKey);
    advance(31_000);
    await verify(await signToken(nextKey));
    expect(logger.messages('info')).toEqual([
      `logto-supabase: verifying tokens of issuer ${ENDPOINT}/oidc for audience ${AUDIENCE}, keys from ${uri}`,
      `logto-supabase: loaded the key set of ${uri} from the issuer: kids "logto-current"`,
      `logto-supabase: the key set of ${uri} changed (from the issuer): added "logto-next", removed "logto-current"`,
    ]);
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });

  it('reports an unknown-kid refusal during the cooldown, naming when the next re-fetch may happen', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const logger = new RecordingLogger();
    const verify = createLogtoVerifier(options({ logger }));
    await verify(await signToken(currentKey));
    await rejectionOf(verify(await signToken(strangerKey)));
    advance(10_000);
    const refusal = await rejectionOf(verify(await signToken(strangerKey, { header: { kid: 'rotated-1' } })));
    expect(refusal.message).toBe(coolingDown(20));
    expect(logger.messages('warn')).toEqual([
      `logto-supabase: refused a token signed with key "rotated-1", not in the key set of ${uri}: it was re-fetched less than 30 s ago, the next re-fetch is allowed in 20 s`,
    ]);
  });

  it('reports a failed refresh as a warning with its cause, and a failed cold load as an error', async () => {
    let healthy = true;
    tenantServes(() => (healthy ? HttpResponse.json(jwksOf(currentKey)) : new HttpResponse(null, { status: 502 })));
    const logger = new RecordingLogger();
    const verify = createLogtoVerifier(options({ logger, jwksMaxAgeMs: 60_000 }));
    await verify(await signToken(currentKey));
    healthy = false;
    advance(61_000);
    await verify(await signToken(currentKey));
    await vi.waitFor(() => expect(logger.messages('warn')).toHaveLength(1));
    expect(logger.lines.at(-1)).toEqual({
      level: 'warn',
      message: `logto-supabase: the key set at ${uri} could not be loaded (the keys already loaded stay in use): the JWKS endpoint answered HTTP 502`,
      details: [{ cause: new Error('the JWKS endpoint answered HTTP 502') }],
    });

    clearJwksCache();
    await rejectionOf(verify(await signToken(currentKey)));
    expect(logger.messages('error')).toEqual([`logto-supabase: the key set at ${uri} could not be loaded: the JWKS endpoint answered HTTP 502`]);
  });

  it('logs nothing without a logger, and a logger that throws fails no request', async () => {
    tenantServes(() => HttpResponse.json(jwksOf(currentKey)));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method).mockImplementation(() => undefined));
    try {
      await createLogtoVerifier(options())(await signToken(currentKey));
      expect(spies.map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    clearJwksCache();
    const broken = { info: () => { throw new Error('log disk full'); }, warn: () => { throw new Error('log disk full'); } };
    const verify = createLogtoVerifier(options({ logger: broken }));
    expect((await verify(await signToken(currentKey))).userId).toBe(USER_ID);
    await rejectionOf(verify(await signToken(strangerKey)));
    expect((await rejectionOf(verify(await signToken(strangerKey)))).message).toBe(coolingDown(30));
  });
});
