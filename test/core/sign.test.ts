/**
 * signSupabaseJwt mints exactly the JWT PostgREST needs for RLS, and createUserSupabaseClient
 * sends it on every request without starting timers or needing a WebSocket.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import WebSocket from 'ws';
import { describe, expect, it, vi } from 'vitest';
import { freezeClockAt } from '../helpers/assertions.js';
import {
  createUserSupabaseClient,
  LogtoAuthError,
  LogtoSupabaseConfigError,
  signSupabaseJwt,
  verifyLogtoToken,
  type LogtoAuth,
  type SupabaseOptions,
} from '../../src/index.js';
import {
  APP_ID,
  AUDIENCE,
  ENDPOINT,
  generateTestKey,
  jwksOf,
  M2M_APP_ID,
  machineClaims,
  nowSeconds,
  ORG_ID,
  signToken,
  USER_ID,
  type Claims,
} from '../helpers/tokens.js';
import { JWT_SECRET, PUBLISHABLE_KEY as ANON_KEY, SUPABASE_URL } from '../helpers/supabase.js';

const secretBytes = new TextEncoder().encode(JWT_SECRET);

const logtoKey = await generateTestKey('ES384', 'logto');
const es256Key = await generateTestKey('ES256', 'supabase-es256');
const rs256Key = await generateTestKey('RS256', 'supabase-rs256');
const jwks = jwksOf(logtoKey);

const NOW = nowSeconds();
freezeClockAt(NOW);

/** What a JWT minted for a verified user token holds, with the default lifetime. */
const userTokenClaims = {
  sub: USER_ID,
  role: 'authenticated',
  aud: 'authenticated',
  iat: NOW,
  exp: NOW + 3600,
  userId: USER_ID,
  logto_sub: USER_ID,
  client_id: APP_ID,
  scope: 'read:posts write:posts',
  is_machine: false,
};

const supabase = (overrides: Partial<SupabaseOptions> = {}): SupabaseOptions => ({ url: SUPABASE_URL, anonKey: ANON_KEY, jwtSecret: JWT_SECRET, ...overrides });

/** A LogtoAuth the way the library makes it: by verifying a real Logto token. */
const verified = async (claims: Claims = {}): Promise<LogtoAuth> =>
  verifyLogtoToken(await signToken(logtoKey, { claims }), { endpoint: ENDPOINT, audience: AUDIENCE, jwks, cache: false });

const verifyHs256 = async (jwt: string) => (await jwtVerify(jwt, secretBytes, { algorithms: ['HS256'], audience: 'authenticated' })).payload;

describe('signSupabaseJwt signs with the configured key', () => {
  it('HS256 with the legacy jwtSecret, no kid', async () => {
    const jwt = await signSupabaseJwt(USER_ID, supabase());
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect((await verifyHs256(jwt)).sub).toBe(USER_ID);
  });

  it('ES256 with a private JWK signing key, its kid in the header', async () => {
    const jwt = await signSupabaseJwt(USER_ID, supabase({ jwtSecret: undefined, signingKey: es256Key.privateJwk }));
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', typ: 'JWT', kid: es256Key.kid });
    const { payload } = await jwtVerify(jwt, es256Key.publicKey, { algorithms: ['ES256'] });
    expect(payload.sub).toBe(USER_ID);
  });

  it('RS256 with a private JWK signing key, its kid in the header', async () => {
    const jwt = await signSupabaseJwt(USER_ID, supabase({ jwtSecret: undefined, signingKey: rs256Key.privateJwk }));
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', typ: 'JWT', kid: rs256Key.kid });
    const { payload } = await jwtVerify(jwt, rs256Key.publicKey, { algorithms: ['RS256'] });
    expect(payload.sub).toBe(USER_ID);
  });

  it('a signing key given as JSON text (as SUPABASE_SIGNING_KEY holds it)', async () => {
    const jwt = await signSupabaseJwt(USER_ID, supabase({ jwtSecret: undefined, signingKey: JSON.stringify(es256Key.privateJwk) }));
    await expect(jwtVerify(jwt, es256Key.publicKey)).resolves.toBeDefined();
  });

  it('a JWT signed by another key does not verify with ours (the signature is real)', async () => {
    const jwt = await signSupabaseJwt(USER_ID, supabase());
    await expect(jwtVerify(jwt, new TextEncoder().encode(`${JWT_SECRET}-other`))).rejects.toThrow();
  });
});

describe('signSupabaseJwt claims', () => {
  it('for a subject: exactly sub, role, aud, iat, exp, userId, logto_sub', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase()));
    expect(payload).toEqual({ sub: USER_ID, role: 'authenticated', aud: 'authenticated', iat: NOW, exp: NOW + 3600, userId: USER_ID, logto_sub: USER_ID });
  });

  it('for a user LogtoAuth: adds client_id, scope and is_machine', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(await verified(), supabase()));
    expect(payload).toEqual(userTokenClaims);
  });

  it('for an organization token: adds organization_id', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(await verified({ organization_id: ORG_ID }), supabase()));
    expect(payload.organization_id).toBe(ORG_ID);
  });

  it('for a machine token: sub and userId are the client id, is_machine true', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(await verified(machineClaims()), supabase()));
    expect(payload).toMatchObject({ sub: M2M_APP_ID, userId: M2M_APP_ID, logto_sub: M2M_APP_ID, client_id: M2M_APP_ID, is_machine: true, scope: 'read:posts' });
  });

});

const genuine = await verified();

describe('minting refuses what is neither a subject nor a LogtoAuth with a typed error, never a bare TypeError', () => {
  const refusal = new LogtoSupabaseConfigError('subjectOrAuth', 'must be a non-empty Logto user id or the LogtoAuth that verifyLogtoToken returned.');
  const { token: _token, ...withoutToken } = genuine;
  const oddInputs: [string, unknown][] = [
    ['an empty subject', ''],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an empty object', {}],
    ['an object with only a subject', { subject: USER_ID }],
    ['a LogtoAuth without its token (caches are keyed on it)', withoutToken],
    ['a LogtoAuth with an empty token', { ...genuine, token: '' }],
    ['a LogtoAuth whose scopes are not an array', { ...genuine, scopes: 'read:posts' }],
  ];

  it.each(oddInputs)('signSupabaseJwt: %s', async (_name, input) => {
    const error = await signSupabaseJwt(input as never, supabase()).then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
    expect(error).toEqual(refusal);
  });

  it.each(oddInputs)('createUserSupabaseClient: %s, when the client is made', (_name, input) => {
    expect(() => createUserSupabaseClient(input as never, supabase())).toThrowError(refusal);
    expect(() => createUserSupabaseClient(input as never, supabase({ mode: 'third-party', jwtSecret: undefined }))).toThrowError(refusal);
  });
});

describe('signSupabaseJwt expiry', () => {
  it('exp is iat + 3600 by default', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase()));
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('exp is iat + jwt.expiresIn', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase({ jwt: { expiresIn: 600 } })));
    expect([payload.iat, payload.exp]).toEqual([NOW, NOW + 600]);
  });

  it("exp is capped at the Logto token's exp", async () => {
    const auth = await verified({ exp: NOW + 120 });
    const payload = await verifyHs256(await signSupabaseJwt(auth, supabase()));
    expect(payload.exp).toBe(NOW + 120);
  });

  it("exp is not extended to the Logto token's exp when expiresIn is shorter", async () => {
    const auth = await verified({ exp: NOW + 7200 });
    const payload = await verifyHs256(await signSupabaseJwt(auth, supabase({ jwt: { expiresIn: 300 } })));
    expect(payload.exp).toBe(NOW + 300);
  });

  it('refuses a LogtoAuth that has already expired: 401 invalid_token', async () => {
    const auth = await verified({ exp: NOW + 60 });
    vi.setSystemTime((NOW + 61) * 1000);
    const error = await signSupabaseJwt(auth, supabase()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LogtoAuthError);
    const { code, reason, status, message } = error as LogtoAuthError;
    expect([code, reason, status, message]).toEqual(['invalid_token', 'expired', 401, 'The access token expired.']);
  });

  it('refuses a LogtoAuth expiring this very second', async () => {
    const auth = await verified({ exp: NOW + 30 });
    vi.setSystemTime((NOW + 30) * 1000);
    await expect(signSupabaseJwt(auth, supabase())).rejects.toThrowError(LogtoAuthError);
  });
});

describe('custom claims are added but never override what RLS trusts', () => {
  const hostile = { sub: 'admin', role: 'postgres', aud: 'other', exp: NOW + 999_999, iat: 1, nbf: NOW + 999, userId: 'admin', logto_sub: 'admin', client_id: 'x', scope: 'all', is_machine: true, organization_id: 'org' };

  it('adds the claims of an object', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase({ jwt: { claims: { tenant: 'acme', plan: 'pro' } } })));
    expect(payload).toMatchObject({ tenant: 'acme', plan: 'pro', sub: USER_ID, role: 'authenticated' });
  });

  it('adds the claims of a function of the LogtoAuth', async () => {
    const claims = vi.fn((auth: LogtoAuth | null) => ({ app: auth?.clientId ?? 'none' }));
    const auth = await verified();
    const payload = await verifyHs256(await signSupabaseJwt(auth, supabase({ jwt: { claims } })));
    expect(payload.app).toBe(APP_ID);
    expect(claims).toHaveBeenCalledWith(auth);
  });

  it('calls the function with null for a bare subject', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase({ jwt: { claims: (auth) => ({ app: auth === null ? 'none' : 'auth' }) } })));
    expect(payload.app).toBe('none');
  });

  it('an object never overrides sub, role, aud, exp, iat (nor the Logto-derived claims)', async () => {
    const auth = await verified();
    const payload = await verifyHs256(await signSupabaseJwt(auth, supabase({ jwt: { claims: { ...hostile, extra: 1 } } })));
    expect(payload).toEqual({
      ...userTokenClaims,
      extra: 1,
    });
  });

  it('a function never overrides them either', async () => {
    const payload = await verifyHs256(await signSupabaseJwt(USER_ID, supabase({ jwt: { claims: () => ({ ...hostile, extra: 2 }) } })));
    expect(payload).toEqual({ sub: USER_ID, role: 'authenticated', aud: 'authenticated', iat: NOW, exp: NOW + 3600, userId: USER_ID, logto_sub: USER_ID, extra: 2 });
  });

  it('refuses role "service_role" in a claims object when the options are checked', async () => {
    const options = supabase({ jwt: { claims: { role: 'service_role' } } });
    await expect(signSupabaseJwt(USER_ID, options)).rejects.toThrowError(
      'supabase.jwt.claims: may not set role "service_role": minted JWTs are for RLS-bound users; use createServiceRoleClient for trusted work.',
    );
    expect(() => createUserSupabaseClient(USER_ID, options)).toThrowError(LogtoSupabaseConfigError);
  });

  it('refuses role "service_role" from a claims function when signing', async () => {
    const options = supabase({ jwt: { claims: (auth) => (auth?.isMachine ? { role: 'service_role' } : {}) } });
    await expect(signSupabaseJwt(await verified(), options)).resolves.toBeTypeOf('string');
    const error = await signSupabaseJwt(await verified(machineClaims()), options).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
    expect([(error as LogtoSupabaseConfigError).option, (error as Error).message]).toEqual([
      'supabase.jwt.claims',
      'supabase.jwt.claims: may not set role "service_role": minted JWTs are for RLS-bound users; use createServiceRoleClient for trusted work.',
    ]);
  });
});

/** A fetch for supabase-js that records requests and answers an empty result. */
function recordingFetch() {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    return Response.json([]);
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

describe('createUserSupabaseClient', () => {
  it('sends the minted JWT as Authorization and the anon key (never a JWT) as apikey', async () => {
    const { fetch, requests } = recordingFetch();
    const client = createUserSupabaseClient(await verified(), supabase({ clientOptions: { global: { fetch } } }));
    await client.from('posts').select('*');
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.url).toBe(`${SUPABASE_URL}/rest/v1/posts?select=*`);
    expect(request.headers.get('apikey')).toBe(ANON_KEY);
    const jwt = request.headers.get('authorization')!.replace(/^Bearer /, '');
    expect((await verifyHs256(jwt)).sub).toBe(USER_ID);
  });

  it('reuses the minted JWT across requests while it is fresh', async () => {
    const { fetch, requests } = recordingFetch();
    const client = createUserSupabaseClient(USER_ID, supabase({ clientOptions: { global: { fetch } } }));
    await client.from('posts').select('*');
    await client.from('posts').select('*');
    expect(requests[0]!.headers.get('authorization')).toBe(requests[1]!.headers.get('authorization'));
  });

  it('has no auth client to misuse: supabase.auth throws (accessToken mode)', () => {
    const client = createUserSupabaseClient(USER_ID, supabase());
    expect(() => client.auth.getSession()).toThrow();
  });
});

describe('createUserSupabaseClient on Node 20, without a global WebSocket', () => {
  it('runs in a runtime without globalThis.WebSocket (the premise of these tests)', () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
  });

  it('builds a client without throwing', () => {
    expect(() => createUserSupabaseClient(USER_ID, supabase())).not.toThrow();
  });

  it('fails on realtime.connect() with a message naming clientOptions.realtime.transport', () => {
    const client = createUserSupabaseClient(USER_ID, supabase());
    expect(() => client.realtime.connect()).toThrowError(/^clientOptions\.realtime\.transport: Realtime needs a WebSocket and this runtime has none/);
  });

  it('fails on channel().subscribe() with the same message', () => {
    const client = createUserSupabaseClient(USER_ID, supabase());
    expect(() => client.channel('room').subscribe()).toThrowError(/clientOptions\.realtime\.transport/);
  });

  it('uses the transport the caller gives (ws)', () => {
    const client = createUserSupabaseClient(USER_ID, supabase({ clientOptions: { realtime: { transport: WebSocket as never } } }));
    expect(client.realtime.transport).toBe(WebSocket);
  });
});

describe('creating clients starts no timers', () => {
  it('1,000 clients call neither setTimeout nor setInterval', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    try {
      const options = supabase();
      for (let index = 0; index < 1000; index += 1) createUserSupabaseClient(`user${String(index).padStart(8, '0')}`, options);
      expect(setTimeoutSpy).not.toHaveBeenCalled();
      expect(setIntervalSpy).not.toHaveBeenCalled();
    } finally {
      setTimeoutSpy.mockRestore();
      setIntervalSpy.mockRestore();
    }
  });

  it('a process that creates 1,000 clients and mints a JWT exits on its own within 3 s', () => {
    const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = `
      import { createUserSupabaseClient, signSupabaseJwt } from ${JSON.stringify(index)};
      const options = { url: ${JSON.stringify(SUPABASE_URL)}, anonKey: ${JSON.stringify(ANON_KEY)}, jwtSecret: ${JSON.stringify(JWT_SECRET)} };
      for (let i = 0; i < 1000; i += 1) createUserSupabaseClient('user' + String(i).padStart(8, '0'), options);
      await signSupabaseJwt('a1ic3x9k2m4p', options);
      globalThis.__started = performance.now();
      process.on('exit', () => console.log('idle-exit ' + Math.round(performance.now() - globalThis.__started)));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.signal, result.stderr).toBeNull();
    expect(result.status, result.stderr).toBe(0);
    const idle = Number(/idle-exit (\d+)/.exec(result.stdout)?.[1]);
    // From the end of the work to the exit: nothing may keep the event loop alive.
    expect(idle).toBeLessThan(3000);
  });
});
