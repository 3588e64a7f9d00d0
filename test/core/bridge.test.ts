/**
 * createLogtoSupabase(...).authenticate(request): which Supabase access each token gets, when
 * the client is built, third-party mode, and the verified-token cache.
 */
import { inspect } from 'node:util';
import { decodeJwt, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { freezeClockAt, rejectionOf } from '../helpers/assertions.js';
import {
  createLogtoSupabase,
  fromEnv,
  verifyLogtoToken,
  type Authenticated,
  type LogtoSupabase,
  type LogtoSupabaseOptions,
  type SupabaseOptions,
} from '../../src/index.js';
import { notPlain, plainCopy, sameAsPlainCopy } from '../../src/adapters/plain-options.js';
import { toLogtoSupabase } from '../../src/adapters/shared.js';
import type { LogtoVerifierOptions } from '../../src/core/verify.js';
import {
  APP_ID,
  AUDIENCE,
  ENDPOINT,
  generateTestKey,
  jwksFetch,
  jwksOf,
  JWKS_URI,
  M2M_APP_ID,
  machineClaims,
  nowSeconds,
  signToken,
  USER_ID,
  type Claims,
} from '../helpers/tokens.js';
import { JWT_SECRET, PUBLISHABLE_KEY as ANON_KEY, SECRET_KEY as SERVICE_ROLE_KEY, SUPABASE_URL } from '../helpers/supabase.js';

const OTHER_M2M_APP_ID = 'm2mo7hr2w9q4k1x6z3c8b';

const logtoKey = await generateTestKey('ES384', 'logto');
const jwks = jwksOf(logtoKey);

const NOW = nowSeconds();
freezeClockAt(NOW);

/** Supabase requests made by the clients the bridge hands out. */
let requests: Request[] = [];
/**
 * How many Supabase clients were built: each build copies the client options once, reading `db`
 * (option checks read `global.headers`, never `db`).
 */
let clientsBuilt = 0;
const clientOptions = () => ({
  global: {
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(new Request(input, init));
      return Response.json([]);
    }) as typeof fetch,
  },
  get db() {
    clientsBuilt += 1;
    return {};
  },
});
beforeEach(() => {
  requests = [];
  clientsBuilt = 0;
});

const supabaseOptions = (overrides: Partial<SupabaseOptions> = {}): SupabaseOptions => ({
  url: SUPABASE_URL,
  anonKey: ANON_KEY,
  jwtSecret: JWT_SECRET,
  serviceRoleKey: SERVICE_ROLE_KEY,
  clientOptions: clientOptions(),
  ...overrides,
});

const bridgeOf = (overrides: Partial<LogtoSupabaseOptions> = {}, logto: Partial<LogtoVerifierOptions> = {}) =>
  createLogtoSupabase({
    logto: { endpoint: ENDPOINT, audience: AUDIENCE, jwks, ...logto },
    supabase: supabaseOptions(),
    machines: { serviceRole: { clientIds: [M2M_APP_ID], scopes: ['admin:all'] } },
    ...overrides,
  });

const requestWith = async (claims: Claims = {}) =>
  new Request('https://api.example.com/posts', { headers: { authorization: `Bearer ${await signToken(logtoKey, { claims })}` } });

/** What the client sends to PostgREST for one query: its apikey and bearer. */
async function sentBy({ supabase }: Authenticated): Promise<{ apikey: string | null; bearer: string }> {
  await supabase.from('posts').select('*');
  const request = requests.at(-1)!;
  return { apikey: request.headers.get('apikey'), bearer: request.headers.get('authorization')!.replace(/^Bearer /, '') };
}

const mintedSubject = async (jwt: string) => (await jwtVerify(jwt, new TextEncoder().encode(JWT_SECRET), { algorithms: ['HS256'] })).payload.sub;


describe('authenticate gives each token the Supabase access it deserves', () => {
  it('a user token: access "user", a client sending a JWT minted for the user with the anon key', async () => {
    const result = await bridgeOf().authenticate(await requestWith());
    expect([result.access, result.auth?.userId]).toEqual(['user', USER_ID]);
    const { apikey, bearer } = await sentBy(result);
    expect(apikey).toBe(ANON_KEY);
    expect(await mintedSubject(bearer)).toBe(USER_ID);
  });

  it('a machine token not on the allowlist: access "machine", a user client whose sub is the client id (RLS applies)', async () => {
    const result = await bridgeOf().authenticate(await requestWith(machineClaims({ sub: OTHER_M2M_APP_ID, client_id: OTHER_M2M_APP_ID, scope: 'admin:all' })));
    expect([result.access, result.auth?.isMachine, result.auth?.userId]).toEqual(['machine', true, null]);
    const { apikey, bearer } = await sentBy(result);
    expect(apikey).toBe(ANON_KEY);
    expect(await mintedSubject(bearer)).toBe(OTHER_M2M_APP_ID);
    expect(decodeJwt(bearer).is_machine).toBe(true);
  });

  it('an allowlisted machine token holding the required scopes: access "service_role", the service-role key', async () => {
    const result = await bridgeOf().authenticate(await requestWith(machineClaims({ scope: 'read:posts admin:all' })));
    expect(result.access).toBe('service_role');
    expect((await sentBy(result)).apikey).toBe(SERVICE_ROLE_KEY);
  });

  it('an allowlisted machine token without the required scope: access "machine" only', async () => {
    const result = await bridgeOf().authenticate(await requestWith(machineClaims({ scope: 'read:posts' })));
    expect(result.access).toBe('machine');
    expect((await sentBy(result)).apikey).toBe(ANON_KEY);
  });

  it('an allowlisted machine when no scopes are required: access "service_role"', async () => {
    const bridge = bridgeOf({ machines: { serviceRole: { clientIds: [M2M_APP_ID] } } });
    expect((await bridge.authenticate(await requestWith(machineClaims({ scope: '' })))).access).toBe('service_role');
  });

  it('a user token from the allowlisted app is still a user: the allowlist is for machine tokens only', async () => {
    const result = await bridgeOf().authenticate(await requestWith({ client_id: M2M_APP_ID, scope: 'admin:all' }));
    expect(result.access).toBe('user');
  });

  it('reads the token from a Headers and from Node headers too', async () => {
    const token = await signToken(logtoKey);
    const bridge = bridgeOf();
    expect((await bridge.authenticate(new Headers({ authorization: `Bearer ${token}` }))).auth?.userId).toBe(USER_ID);
    expect((await bridge.authenticate({ authorization: `Bearer ${token}` })).auth?.userId).toBe(USER_ID);
  });

  it('refuses a request without a token: 401 missing_token', async () => {
    const error = await rejectionOf(bridgeOf().authenticate(new Request('https://api.example.com/posts')));
    expect([error.code, error.status]).toEqual(['missing_token', 401]);
  });
});

describe('optional mode', () => {
  it('lets a request without a token through with auth null and an anon client', async () => {
    const result = await bridgeOf({ optional: true }).authenticate(new Request('https://api.example.com/posts'));
    expect([result.auth, result.access]).toEqual([null, 'anon']);
    expect(await sentBy(result)).toEqual({ apikey: ANON_KEY, bearer: ANON_KEY });
  });

  it('still refuses a bad token: 401 invalid_token', async () => {
    const error = await rejectionOf(bridgeOf({ optional: true }).authenticate(await requestWith({ exp: NOW - 60 })));
    expect([error.code, error.status, error.message]).toEqual(['invalid_token', 401, 'The access token expired.']);
  });

  it('still refuses a malformed Authorization header: 400 invalid_request', async () => {
    const error = await rejectionOf(bridgeOf({ optional: true }).authenticate('Bearer'));
    expect([error.code, error.status]).toEqual(['invalid_request', 400]);
  });
});

describe('the Supabase client is built on first use, once', () => {
  it('authenticate builds no client; .supabase is one stable object; the first query builds the real client', async () => {
    const result = await bridgeOf().authenticate(await requestWith());
    const first = result.supabase;
    expect(result.supabase).toBe(first);
    expect(clientsBuilt).toBe(0);
    await sentBy(result);
    expect(clientsBuilt).toBe(1);
    await sentBy(result);
    expect(clientsBuilt).toBe(1);
  });

  it('a request whose handler never queries Supabase builds nothing and mints nothing', async () => {
    const bridge = bridgeOf();
    await bridge.authenticate(await requestWith());
    await bridge.authenticate(await requestWith(machineClaims({ scope: 'admin:all' })));
    expect([clientsBuilt, requests.length]).toEqual([0, 0]);
  });

  it("a repeated token's request gets the client its first request made, which still logs as { access, subject }", async () => {
    const bridge = bridgeOf();
    const request = await requestWith();
    const first = await bridge.authenticate(request);
    await sentBy(first);
    const again = await bridge.authenticate(request);
    await sentBy(again);
    expect(clientsBuilt).toBe(1);
    expect([JSON.parse(JSON.stringify(again.supabase)), inspect(again.supabase)]).toEqual([{ access: 'user', subject: USER_ID }, inspect({ access: 'user', subject: USER_ID })]);
  });

  it('each request gets its own user client', async () => {
    const bridge = bridgeOf();
    const a = await bridge.authenticate(await requestWith());
    const b = await bridge.authenticate(await requestWith({ sub: 'b2jd4y0l3n5q' }));
    expect(await mintedSubject((await sentBy(a)).bearer)).toBe(USER_ID);
    expect(await mintedSubject((await sentBy(b)).bearer)).toBe('b2jd4y0l3n5q');
    expect(clientsBuilt).toBe(2);
  });

  it('the service-role client is built once for every request of the bridge', async () => {
    const bridge = bridgeOf();
    const a = await bridge.authenticate(await requestWith(machineClaims({ scope: 'admin:all' })));
    const b = await bridge.authenticate(await requestWith(machineClaims({ scope: 'admin:all' })));
    await sentBy(a);
    await sentBy(b);
    expect(clientsBuilt).toBe(1);
  });

  it('the anon client is built once for every anonymous request of the bridge', async () => {
    const bridge = bridgeOf({ optional: true });
    await sentBy(await bridge.authenticate(undefined));
    await sentBy(await bridge.authenticate(undefined));
    expect(clientsBuilt).toBe(1);
  });
});

describe('third-party mode: Supabase trusts the Logto token itself', () => {
  const thirdParty = () =>
    bridgeOf({ supabase: supabaseOptions({ mode: 'third-party', jwtSecret: undefined }), machines: undefined });

  it('refuses a token without role "authenticated": 401 invalid_token naming the Logto custom claims', async () => {
    const error = await rejectionOf(thirdParty().authenticate(await requestWith()));
    expect([error.code, error.status, error.message]).toEqual([
      'invalid_token',
      401,
      'The Logto token has no "role": "authenticated" claim, which Supabase third-party auth requires. Add it with a custom access token claims script in Logto Console (Custom JWT): return { role: "authenticated" }.',
    ]);
  });

  it('refuses a token whose role is another one', async () => {
    const error = await rejectionOf(thirdParty().authenticate(await requestWith({ role: 'service_role' })));
    expect(error.code).toBe('invalid_token');
  });

  it('forwards the Logto token as the bearer when it has role "authenticated"', async () => {
    const request = await requestWith({ role: 'authenticated' });
    const result = await thirdParty().authenticate(request);
    expect(result.access).toBe('user');
    expect(await sentBy(result)).toEqual({ apikey: ANON_KEY, bearer: request.headers.get('authorization')!.replace('Bearer ', '') });
  });
});

describe('a token past exp but inside the clock tolerance: 401 before the handler, never a database error', () => {
  const expiredTwoSecondsAgo = () => requestWith({ iat: NOW - 3600, exp: NOW - 2, role: 'authenticated' });

  it('verifies as a token (the 5 s tolerance is for clock skew)...', async () => {
    const token = (await expiredTwoSecondsAgo()).headers.get('authorization')!.slice('Bearer '.length);
    const auth = await verifyLogtoToken(token, { endpoint: ENDPOINT, audience: AUDIENCE, jwks });
    expect(auth.expiresAt).toBe(NOW - 2);
  });

  it.each(['mint', 'third-party'] as const)('...but authenticate answers 401 invalid_token (reason expired) in %s mode, and no Supabase request is made', async (mode) => {
    const supabase = mode === 'mint' ? supabaseOptions() : supabaseOptions({ mode, jwtSecret: undefined });
    const bridge = bridgeOf({ supabase });
    const error = await rejectionOf(bridge.authenticate(await expiredTwoSecondsAgo()));
    expect([error.code, error.reason, error.status, error.message]).toEqual(['invalid_token', 'expired', 401, 'The access token expired.']);
    expect(requests).toEqual([]);
  });

  it('...and the token exchange answers the same 401: a minted JWT never outlives the Logto token', async () => {
    const error = await rejectionOf(bridgeOf().exchange(await expiredTwoSecondsAgo()));
    expect([error.code, error.reason, error.status]).toEqual(['invalid_token', 'expired', 401]);
  });

  it('a token one second before its exp still gets a client whose JWT expires with it', async () => {
    const { auth, supabase } = await bridgeOf().authenticate(await requestWith({ exp: NOW + 1 }));
    await supabase.from('posts').select('*');
    const bearer = requests[0]!.headers.get('authorization')!.slice('Bearer '.length);
    expect([auth?.expiresAt, decodeJwt(bearer).exp]).toEqual([NOW + 1, NOW + 1]);
  });
});

describe('the verified-token cache', () => {
  /**
   * A remote key set that is re-fetched before every signature check (max age and cooldown 0,
   * clock moved 1 ms between calls): its request count is the number of signature checks.
   */
  const countingBridge = (logto: Partial<LogtoVerifierOptions> = {}) => {
    const fetch = jwksFetch(() => jwks);
    const bridge = bridgeOf({}, { jwks: undefined, fetch, jwksMaxAgeMs: 0, jwksCooldownMs: 0, ...logto });
    return { bridge, fetch };
  };
  const tick = () => vi.setSystemTime(Date.now() + 1);

  it('verifies the signature of a repeated token once', async () => {
    const { bridge, fetch } = countingBridge();
    const request = await requestWith();
    await bridge.authenticate(request);
    tick();
    await bridge.authenticate(request);
    tick();
    await bridge.authenticate(request);
    expect(fetch.urls).toEqual([JWKS_URI]);
  });

  it('checks the signature of every request with cache: false', async () => {
    const { bridge, fetch } = countingBridge({ cache: false });
    const request = await requestWith();
    await bridge.authenticate(request);
    tick();
    await bridge.authenticate(request);
    expect(fetch.urls).toEqual([JWKS_URI, JWKS_URI]);
  });

  it('refuses a cached token from its exp on: the bridge gives no Supabase access past exp', async () => {
    const bridge = bridgeOf();
    const request = await requestWith({ exp: NOW + 60 });
    expect((await bridge.authenticate(request)).auth?.expiresAt).toBe(NOW + 60);
    vi.setSystemTime((NOW + 59) * 1000);
    expect((await bridge.authenticate(request)).auth?.userId).toBe(USER_ID);
    for (const second of [NOW + 60, NOW + 64, NOW + 66]) {
      vi.setSystemTime(second * 1000);
      const error = await rejectionOf(bridge.authenticate(request));
      expect([error.code, error.reason, error.status, error.message]).toEqual(['invalid_token', 'expired', 401, 'The access token expired.']);
    }
  });

  it('still checks requiredScopes for a cached token', async () => {
    const { bridge, fetch } = countingBridge({ requiredScopes: ['delete:posts'] });
    const request = await requestWith({ scope: 'read:posts' });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      tick();
      const error = await rejectionOf(bridge.authenticate(request));
      expect([error.code, error.status, error.message]).toEqual(['insufficient_scope', 403, 'The token lacks the required scope(s): delete:posts.']);
    }
    // The second refusal came from the cache: one signature check only.
    expect(fetch.urls).toEqual([JWKS_URI]);
  });

  it('still checks the organization for a cached token', async () => {
    const bridge = bridgeOf({}, { organizationId: 'org6y2ghk0w3p8d5tq1za' });
    const request = await requestWith({ organization_id: 'orgother0000000000000' });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await rejectionOf(bridge.authenticate(request));
      expect([error.code, error.message]).toEqual(['invalid_token', 'The token is not for this organization.']);
    }
  });

  it('bridge.verify shares the cache and gives the LogtoAuth', async () => {
    const { bridge, fetch } = countingBridge();
    const token = await signToken(logtoKey);
    const auth = await bridge.verify(token);
    tick();
    expect(await bridge.verify(token)).toBe(auth);
    expect([auth.clientId, fetch.urls.length]).toEqual([APP_ID, 1]);
  });
});

describe('adapters share a bridge only between options that are the same value (toLogtoSupabase)', () => {
  const OTHER_URL = 'https://zyxwvutsrqponmlkjihg.supabase.co';
  const OTHER_SECRET = 'another-tenant-jwt-secret-of-32-characters-or-more';
  const logto = { endpoint: ENDPOINT, audience: AUDIENCE, jwks };
  /** Every Supabase request of the bridges below (one fetch for all: functions compare by identity). */
  const sent: Request[] = [];
  const capture: typeof fetch = async (input, init) => {
    sent.push(new Request(input, init));
    return Response.json([]);
  };
  const tenantA = { url: SUPABASE_URL, anonKey: ANON_KEY, jwtSecret: JWT_SECRET, clientOptions: { global: { fetch: capture } } };
  const tenantB = { url: OTHER_URL, anonKey: ANON_KEY, jwtSecret: OTHER_SECRET, clientOptions: { global: { fetch: capture } } };
  /** Where a bridge's user client sends a query, and which tenant's secret signed the JWT it sends. */
  const sends = async (bridge: LogtoSupabase) => {
    const { supabase } = await bridge.authenticate(`Bearer ${await signToken(logtoKey)}`);
    await supabase.from('posts').select('*');
    const request = sent.at(-1)!;
    const jwt = request.headers.get('authorization')!.replace(/^Bearer /, '');
    const signedWith = (secret: string) =>
      jwtVerify(jwt, new TextEncoder().encode(secret), { algorithms: ['HS256'] }).then(
        () => true,
        () => false,
      );
    const secret = (await signedWith(JWT_SECRET)) ? 'A' : (await signedWith(OTHER_SECRET)) ? 'B' : 'neither';
    return { host: new URL(request.url).host, secret };
  };

  /** Supabase options as a class: private fields behind getters, no own property. */
  class SupabaseTenant {
    readonly #options: typeof tenantA;
    constructor(options: typeof tenantA) {
      this.#options = options;
    }
    get url() {
      return this.#options.url;
    }
    get anonKey() {
      return this.#options.anonKey;
    }
    get jwtSecret() {
      return this.#options.jwtSecret;
    }
    get clientOptions() {
      return this.#options.clientOptions;
    }
  }

  it('tenants whose Supabase options are class instances (getters, private fields) get their own bridge, URL and secret', async () => {
    const a = toLogtoSupabase({ logto, supabase: new SupabaseTenant(tenantA) });
    const b = toLogtoSupabase({ logto, supabase: new SupabaseTenant(tenantB) });
    expect(b).not.toBe(a);
    expect([await sends(a), await sends(b)]).toEqual([
      { host: new URL(SUPABASE_URL).host, secret: 'A' },
      { host: new URL(OTHER_URL).host, secret: 'B' },
    ]);
  });

  it('tenants whose Supabase options are made with Object.create(base) get their own bridge, URL and secret', async () => {
    const a = toLogtoSupabase({ logto, supabase: Object.create(tenantA) as SupabaseOptions });
    const b = toLogtoSupabase({ logto, supabase: Object.create(tenantB) as SupabaseOptions });
    expect(b).not.toBe(a);
    expect([await sends(a), await sends(b)]).toEqual([
      { host: new URL(SUPABASE_URL).host, secret: 'A' },
      { host: new URL(OTHER_URL).host, secret: 'B' },
    ]);
  });

  const fetchA: typeof fetch = async () => Response.json([]);
  const fetchB: typeof fetch = async () => Response.json([]);
  const sym = Symbol('option');
  const withClientOptions = (clientOptions: Record<string, unknown>) =>
    ({ logto, supabase: { ...tenantA, clientOptions } }) as unknown as LogtoSupabaseOptions;
  const withDb = (db: Record<string, unknown>) => withClientOptions({ db });
  const hiddenSecret = (secret: string) =>
    ({ logto, supabase: Object.defineProperty({ url: SUPABASE_URL, anonKey: ANON_KEY }, 'jwtSecret', { value: secret, enumerable: false }) }) as LogtoSupabaseOptions;
  const secretGetter = (secret: string) =>
    ({
      logto,
      supabase: {
        url: SUPABASE_URL,
        anonKey: ANON_KEY,
        get jwtSecret() {
          return secret;
        },
      },
    }) as LogtoSupabaseOptions;
  const serviceRoleFor = (clientIds: string[]) =>
    ({ logto, supabase: { ...tenantA, serviceRoleKey: SERVICE_ROLE_KEY }, machines: { serviceRole: { clientIds } } }) as LogtoSupabaseOptions;

  /** Pairs that must never share a bridge; the old JSON fingerprint confused most of them. */
  const neverTheSame: [string, () => LogtoSupabaseOptions, () => LogtoSupabaseOptions][] = [
    ['a getter on a plain object', () => secretGetter(JWT_SECRET), () => secretGetter(OTHER_SECRET)],
    ['a non-enumerable property', () => hiddenSecret(JWT_SECRET), () => hiddenSecret(OTHER_SECRET)],
    ['different function identities', () => withClientOptions({ global: { fetch: fetchA } }), () => withClientOptions({ global: { fetch: fetchB } })],
    ['a nested difference', () => withClientOptions({ global: { headers: { 'x-tenant': 'a' } } }), () => withClientOptions({ global: { headers: { 'x-tenant': 'b' } } })],
    ['arrays of different lengths', () => serviceRoleFor([M2M_APP_ID]), () => serviceRoleFor([M2M_APP_ID, OTHER_M2M_APP_ID])],
    ['an array and an object with the same entries', () => withDb({ list: ['a'] }), () => withDb({ list: { 0: 'a', length: 1 } })],
    // JSON writes both as [null,"a"].
    ['a sparse array and one holding undefined', () => withDb({ list: [, 'a'] }), () => withDb({ list: [undefined, 'a'] })],
    ['a symbol-keyed property', () => withDb({ [sym]: 'a' }), () => withDb({})],
    ['two symbols with the same description', () => withDb({ tag: Symbol('x') }), () => withDb({ tag: Symbol('x') })],
    // JSON writes every Map as {}.
    ['Maps with different entries', () => withDb({ map: new Map([['a', 1]]) }), () => withDb({ map: new Map([['b', 2]]) })],
    ['options objects that are class instances with getters', () => ({ logto, supabase: new SupabaseTenant(tenantA) }), () => ({ logto, supabase: new SupabaseTenant(tenantB) })],
    ['options made with Object.create(base)', () => ({ logto, supabase: Object.create(tenantA) }), () => ({ logto, supabase: Object.create(tenantB) })],
    ['class instances with equal own properties', () => withDb({ value: new (class A { x = 1; })() }), () => withDb({ value: new (class B { x = 1; })() })],
  ];

  it.each(neverTheSame)('never the same: %s', (_name, a, b) => {
    expect(toLogtoSupabase(b())).not.toBe(toLogtoSupabase(a()));
  });

  it.each(neverTheSame)('the value equality says not the same: %s', (_name, a, b) => {
    const copy = plainCopy(a());
    expect(copy !== notPlain && sameAsPlainCopy(b(), copy)).toBe(false);
  });

  it('a plain options object changed after its bridge was made gets another bridge; the first keeps the old values', async () => {
    const options = { logto, supabase: { ...tenantA } };
    const first = toLogtoSupabase(options);
    options.supabase.url = OTHER_URL;
    options.supabase.jwtSecret = OTHER_SECRET;
    const second = toLogtoSupabase(options);
    expect(second).not.toBe(first);
    expect([(await sends(first)).secret, (await sends(second)).secret]).toEqual(['A', 'B']);
  });

  it('options rebuilt with the same values share one bridge: fromEnv per request, a module-level fetch', () => {
    const env = { LOGTO_ENDPOINT: ENDPOINT, LOGTO_AUDIENCE: AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY: ANON_KEY, SUPABASE_JWT_SECRET: JWT_SECRET };
    expect(toLogtoSupabase(fromEnv(env))).toBe(toLogtoSupabase(fromEnv(env)));
    const withFetch = () => withClientOptions({ global: { fetch: fetchA } });
    expect(toLogtoSupabase(withFetch())).toBe(toLogtoSupabase(withFetch()));
  });

  it('fromEnv gives the same frozen options for the same env object until a variable changes, and the bridge follows', () => {
    const env: Record<string, string> = { LOGTO_ENDPOINT: ENDPOINT, LOGTO_AUDIENCE: AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY: ANON_KEY, SUPABASE_JWT_SECRET: JWT_SECRET };
    const first = fromEnv(env);
    expect(fromEnv(env)).toBe(first);
    expect([Object.isFrozen(first), Object.isFrozen(first.supabase), Object.isFrozen(first.logto)]).toEqual([true, true, true]);
    env.SUPABASE_JWT_SECRET = OTHER_SECRET;
    const changed = fromEnv(env);
    expect(changed).not.toBe(first);
    expect(changed.supabase.jwtSecret).toBe(OTHER_SECRET);
    expect(toLogtoSupabase(changed)).not.toBe(toLogtoSupabase(first));
  });

  it('fromEnv with the same bindings object reads only its own values again, not process.env (the Workers factory per request)', () => {
    const bindings = { LOGTO_ENDPOINT: ENDPOINT, LOGTO_AUDIENCE: AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY: ANON_KEY, SUPABASE_JWT_SECRET: JWT_SECRET };
    const reads: string[] = [];
    const env = new Proxy({ ...process.env }, { get: (target, name) => (reads.push(String(name)), Reflect.get(target, name)) });
    vi.stubGlobal('process', Object.assign(Object.create(process), { env }));
    try {
      const first = fromEnv(bindings);
      expect(reads).toContain('LOGTO_ISSUER');
      reads.length = 0;
      expect(fromEnv(bindings)).toBe(first);
      expect(reads).toEqual([]);
      expect(fromEnv({ ...bindings })).not.toBe(first); // another object: read in full
      expect(reads).toContain('LOGTO_ISSUER');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('options that are not plain are shared by identity only', () => {
    const options = { logto, supabase: new SupabaseTenant(tenantA) };
    expect(toLogtoSupabase(options)).toBe(toLogtoSupabase(options));
    expect(toLogtoSupabase({ logto, supabase: new SupabaseTenant(tenantA) })).not.toBe(toLogtoSupabase(options));
  });
});
