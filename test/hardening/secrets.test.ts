/**
 * No secret leaks. Every error message (configuration and verification, with `toResponse()` bodies
 * and headers), every line written to the console or stdout/stderr while the bridge, the four
 * adapters and the doctor run, and `JSON.stringify` / `util.inspect` of the options, bridge,
 * error and auth objects the library makes are searched for the JWT secret, the service-role and
 * `sb_secret_` keys, the private signing key's `d`, and raw tokens. Options objects a user writes
 * by hand are the user's (`fromEnv()` output redacts itself).
 */
import { format, inspect } from 'node:util';
import { base64url, decodeJwt, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, apps, organization, startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';
import { formatChecks, runDoctor } from '../../src/doctor.js';
import {
  clearJwksCache,
  createLogtoSupabase,
  createLogtoVerifier,
  createServiceRoleClient,
  createUserSupabaseClient,
  fromEnv,
  isLogtoAuthError,
  LogtoAuthError,
  LogtoSupabaseConfigError,
  signSupabaseJwt,
  verifyLogtoToken,
  type LogtoAuth,
  type LogtoSupabaseOptions,
  type SupabaseOptions,
} from '../../src/index.js';
import { drivers } from '../adapters/drivers.js';
import { RecordingLogger } from '../helpers/logger.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, nowSeconds, signRaw, signToken, type TestKey } from '../helpers/tokens.js';

const SHORT_SECRET = 'too-short-jwt-secret-42';

let stack: LocalStack;
let signingKey: TestKey;
let p384Key: TestKey;
let options: LogtoSupabaseOptions;
/** The same stack, minting with the asymmetric signing key instead of the HS256 secret. */
let signingKeyOptions: LogtoSupabaseOptions;
const tokens: Record<string, string> = {};
/** name → value of everything that must never show up. */
const secrets = new Map<string, string>();

function addSecret(name: string, value: string): void {
  secrets.set(name, value);
  // The signature is what makes a JWT replayable: it alone must not leak either.
  const parts = value.split('.');
  if (parts.length === 3 && parts[2]!.length > 20) secrets.set(`${name} (signature)`, parts[2]!);
}

/** What the library showed: where it came from, and its text. */
interface Seen {
  where: string;
  text: string;
}
let seen: Seen[] = [];
const record = (where: string, text: string) => void seen.push({ where, text });

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch (error) {
    return `[not serializable: ${(error as Error).message}]`;
  }
}

/** `JSON.stringify` and `util.inspect` (as `console.log` prints it) of a value. */
function dump(where: string, value: unknown): void {
  record(`${where} (JSON)`, json(value));
  record(`${where} (inspect)`, inspect(value, { depth: 8 }));
}

/** An error as people log and send it: message, string, stack, inspect, JSON, and its HTTP answer. */
async function recordError(where: string, error: unknown): Promise<void> {
  if (!(error instanceof Error)) throw new Error(`${where}: expected an Error, got ${String(error)}`);
  record(`${where} message`, error.message);
  record(`${where} String()`, String(error));
  record(`${where} stack`, error.stack ?? '');
  dump(where, error);
  if (isLogtoAuthError(error)) {
    record(`${where} headers`, json(error.headers));
    const response = error.toResponse();
    record(`${where} toResponse() body`, await response.text());
    record(`${where} toResponse() headers`, json([...response.headers]));
  }
}

/** Runs `action`, which must fail; records the error and returns it. */
async function failure(where: string, action: () => unknown): Promise<Error> {
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error(`${where}: expected a failure`);
  await recordError(where, error);
  return error as Error;
}

/** What circular-safe loggers do (pino's safe-stable-stringify): `toJSON` first, else every own key, cycles cut. */
function circularSafeJson(value: unknown, seenObjects = new Set<object>()): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return circularSafeJson(toJSON.call(value), seenObjects);
  if (seenObjects.has(value)) return '"[Circular]"';
  seenObjects.add(value);
  const entries = Object.keys(value).map((key) => `${JSON.stringify(key)}:${circularSafeJson((value as Record<string, unknown>)[key], seenObjects)}`);
  seenObjects.delete(value);
  return `{${entries.join(',')}}`;
}

/** Fails with the places where a secret showed up (naming the secret, never printing it). */
function expectNoSecret(texts: Seen[]): void {
  const leaks = texts.flatMap(({ where, text }) =>
    [...secrets].filter(([, value]) => text.includes(value)).map(([name]) => `${name} in ${where}`),
  );
  expect(leaks).toEqual([]);
}

/** Captures console.* and process.stdout/stderr writes while `action` runs. */
async function capturingOutput(action: () => Promise<void>): Promise<void> {
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => record(`console.${method}`, format(...args))),
    ),
    ...(['stdout', 'stderr'] as const).map((stream) =>
      vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
        record(`process.${stream}`, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }),
    ),
  ];
  try {
    await action();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** Real tokens of the issuer, issued two hours ago by the stand-in's clock. */
async function expiredToken(): Promise<string> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 2 * 3600 * 1000 });
  try {
    return (await stack.logto.signIn('bob')).accessToken;
  } finally {
    vi.useRealTimers();
  }
}

beforeAll(async () => {
  signingKey = await generateTestKey('ES256', 'supabase-signing-key');
  p384Key = await generateTestKey('ES384', 'supabase-p384');
  stack = await startLocalStack({
    supabase: { databaseUrl: process.env.TEST_DATABASE_URL, signingKeys: [{ ...signingKey.privateJwk, alg: 'ES256' }] },
  });
  options = stack.options;
  const { jwtSecret: _secret, ...supabase } = stack.options.supabase;
  signingKeyOptions = { ...stack.options, supabase: { ...supabase, signingKey: signingKey.privateJwk } };

  const alice = await stack.logto.signIn('alice');
  tokens.alice = alice.accessToken;
  tokens.aliceIdToken = alice.idToken;
  tokens.aliceRefreshToken = alice.refreshToken;
  tokens.bob = (await stack.logto.signIn('bob')).accessToken;
  tokens.organization = (await stack.logto.signIn('alice', { organizationId: organization.id })).accessToken;
  tokens.adminJob = await stack.logto.clientCredentialsToken('adminJob');
  tokens.reporter = await stack.logto.clientCredentialsToken('reporter', { scope: 'read:posts' });
  tokens.expired = await expiredToken();
  tokens.mintedForAlice = await signSupabaseJwt(users.alice.id, options.supabase);
  tokens.mintedWithSigningKey = await signSupabaseJwt(users.alice.id, signingKeyOptions.supabase);

  addSecret('the JWT secret', stack.supabase.jwtSecret);
  addSecret('the service_role key', stack.supabase.serviceRoleKey);
  addSecret('the sb_secret_ key', stack.supabase.secretKey);
  addSecret('the signing key\'s d', String(signingKey.privateJwk.d));
  addSecret('a P-384 key\'s d', String(p384Key.privateJwk.d));
  addSecret('a too-short JWT secret', SHORT_SECRET);
  addSecret('the admin job\'s client secret', apps.adminJob.clientSecret);
  for (const [name, token] of Object.entries(tokens)) addSecret(`the ${name} token`, token);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  seen = [];
  vi.unstubAllGlobals();
});

// ---------------------------------------------------------------------------------------------

describe('configuration errors name the option, never the secret', () => {
  it('for every option mistake that can be provoked', async () => {
    const supabase = (overrides: Partial<SupabaseOptions>): SupabaseOptions => ({ ...options.supabase, ...overrides });
    const withSupabase = (overrides: Partial<SupabaseOptions>): LogtoSupabaseOptions => ({ ...options, supabase: supabase(overrides) });
    const withoutSecret = (overrides: Partial<SupabaseOptions>): LogtoSupabaseOptions => {
      const { jwtSecret: _secret, ...rest } = options.supabase;
      return { ...options, supabase: { ...rest, ...overrides } };
    };
    const logto = options.logto;
    const cases: [string, () => unknown][] = [
      ['no options', () => createLogtoSupabase(undefined as unknown as LogtoSupabaseOptions)],
      ['no logto', () => createLogtoSupabase({ supabase: options.supabase } as LogtoSupabaseOptions)],
      ['no endpoint', () => createLogtoSupabase({ ...options, logto: { ...logto, endpoint: '' } })],
      ['endpoint not a URL', () => createLogtoSupabase({ ...options, logto: { ...logto, endpoint: stack.supabase.jwtSecret } })],
      ['endpoint with /oidc', () => createLogtoSupabase({ ...options, logto: { ...logto, endpoint: `${logto.endpoint}/oidc` } })],
      ['no audience', () => createLogtoSupabase({ ...options, logto: { endpoint: logto.endpoint } as typeof logto })],
      ['HS256 allowed', () => createLogtoSupabase({ ...options, logto: { ...logto, algorithms: ['HS256', 'none'] } })],
      ['a private key in jwks', () => createLogtoSupabase({ ...options, logto: { ...logto, jwks: { keys: [signingKey.privateJwk] } } })],
      [
        'a symmetric key in jwks',
        () => createLogtoSupabase({ ...options, logto: { ...logto, jwks: { keys: [{ kty: 'oct', k: base64url.encode(stack.supabase.jwtSecret) }] } } }),
      ],
      ['jwks not a key set', () => createLogtoSupabase({ ...options, logto: { ...logto, jwks: { keys: 'x' } as never } })],
      ['fetch not a function', () => createLogtoSupabase({ ...options, logto: { ...logto, fetch: 'x' as never } })],
      ['negative clockTolerance', () => createLogtoSupabase({ ...options, logto: { ...logto, clockTolerance: -1 } })],
      ['scopes with spaces', () => createLogtoSupabase({ ...options, logto: { ...logto, requiredScopes: ['read posts'] } })],
      ['empty organizationId', () => createLogtoSupabase({ ...options, logto: { ...logto, organizationId: '' } })],
      ['cache of 0 entries', () => createLogtoSupabase({ ...options, logto: { ...logto, cache: { maxEntries: 0 } } })],
      ['no supabase', () => createLogtoSupabase({ logto } as LogtoSupabaseOptions)],
      ['supabase url', () => createLogtoSupabase(withSupabase({ url: 'not a url' }))],
      ['supabase mode', () => createLogtoSupabase(withSupabase({ mode: 'secret' as never }))],
      ['no anonKey', () => createLogtoSupabase(withSupabase({ anonKey: '' }))],
      ['service_role key as anonKey', () => createLogtoSupabase(withSupabase({ anonKey: stack.supabase.serviceRoleKey }))],
      ['sb_secret_ key as anonKey', () => createLogtoSupabase(withSupabase({ anonKey: stack.supabase.secretKey }))],
      ['a minted JWT as anonKey', () => createLogtoSupabase(withSupabase({ anonKey: tokens.mintedForAlice! }))],
      ['a Logto token as anonKey', () => createLogtoSupabase(withSupabase({ anonKey: tokens.alice! }))],
      ['jwtSecret and signingKey', () => createLogtoSupabase(withSupabase({ signingKey: signingKey.privateJwk }))],
      ['neither jwtSecret nor signingKey', () => createLogtoSupabase(withoutSecret({}))],
      ['short jwtSecret', () => createLogtoSupabase(withSupabase({ jwtSecret: SHORT_SECRET }))],
      ['signingKey as broken JSON', () => createLogtoSupabase(withoutSecret({ signingKey: JSON.stringify(signingKey.privateJwk).slice(0, -3) }))],
      ['signingKey public only', () => createLogtoSupabase(withoutSecret({ signingKey: signingKey.publicJwk }))],
      ['signingKey on P-384', () => createLogtoSupabase(withoutSecret({ signingKey: p384Key.privateJwk }))],
      ['signingKey without kid', () => createLogtoSupabase(withoutSecret({ signingKey: { ...signingKey.privateJwk, kid: undefined } }))],
      [
        'signingKey not importable',
        () => signSupabaseJwt(users.alice.id, { ...withoutSecret({}).supabase, signingKey: { ...signingKey.privateJwk, d: `${signingKey.privateJwk.d}AAAA` } }),
      ],
      ['jwtSecret in third-party mode', () => createLogtoSupabase(withSupabase({ mode: 'third-party' }))],
      ['empty serviceRoleKey', () => createLogtoSupabase(withSupabase({ serviceRoleKey: '' }))],
      ['jwt.expiresIn', () => createLogtoSupabase(withSupabase({ jwt: { expiresIn: 5 } }))],
      ['jwt.claims not an object', () => createLogtoSupabase(withSupabase({ jwt: { claims: 'x' as never } }))],
      ['machines not an object', () => createLogtoSupabase({ ...options, machines: 'x' as never })],
      ['machines.serviceRole.clientIds', () => createLogtoSupabase({ ...options, machines: { serviceRole: { clientIds: [''] } } })],
      ['machines.serviceRole.scopes', () => createLogtoSupabase({ ...options, machines: { serviceRole: { clientIds: ['a'], scopes: ['a b'] } } })],
      ['allowlisted machines, anon key as serviceRoleKey', () => createLogtoSupabase(withSupabase({ serviceRoleKey: stack.supabase.anonKey }))],
      ['allowlisted machines, publishable key as serviceRoleKey', () => createLogtoSupabase(withSupabase({ serviceRoleKey: stack.supabase.publishableKey }))],
      ['allowlisted machines, JWT secret as serviceRoleKey', () => createLogtoSupabase(withSupabase({ serviceRoleKey: stack.supabase.jwtSecret }))],
      ['allowlisted machines, no serviceRoleKey', () => createLogtoSupabase(withSupabase({ serviceRoleKey: undefined }))],
      ['optional not a boolean', () => createLogtoSupabase({ ...options, optional: 'yes' as never })],
      ['service-role client with the anon key', () => createServiceRoleClient(supabase({ serviceRoleKey: stack.supabase.anonKey }))],
      ['service-role client with the JWT secret', () => createServiceRoleClient(supabase({ serviceRoleKey: stack.supabase.jwtSecret }))],
      ['third-party client for a bare subject', () => createUserSupabaseClient(users.alice.id, { ...withoutSecret({ mode: 'third-party' }).supabase })],
      ['minting in third-party mode', () => signSupabaseJwt(users.alice.id, { ...withoutSecret({ mode: 'third-party' }).supabase })],
      ['minting for an empty subject', () => signSupabaseJwt('', options.supabase)],
      [
        'fromEnv with variables missing',
        () => fromEnv({ SUPABASE_JWT_SECRET: stack.supabase.jwtSecret, SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey }),
      ],
      ['fromEnv with the secret key as anon key', () => createLogtoSupabase(fromEnv({ ...stackEnv(), SUPABASE_ANON_KEY: stack.supabase.secretKey }))],
      [
        'fromEnv with a broken signing key',
        () => createLogtoSupabase(fromEnv({ ...stackEnv(), SUPABASE_JWT_SECRET: undefined, SUPABASE_SIGNING_KEY: JSON.stringify(signingKey.privateJwk).slice(1) })),
      ],
    ];
    for (const [name, action] of cases) {
      const error = await failure(name, action);
      if (!(error instanceof LogtoSupabaseConfigError)) throw error;
    }
    expect(seen.length).toBeGreaterThanOrEqual(cases.length * 5);
    expectNoSecret(seen);
  });
});

/** The environment `fromEnv` reads, for this stack, with every secret in it. */
const stackEnv = () => ({
  LOGTO_ENDPOINT: stack.logto.endpoint,
  LOGTO_AUDIENCE: api.resource,
  SUPABASE_URL: stack.supabase.url,
  SUPABASE_ANON_KEY: stack.supabase.anonKey,
  SUPABASE_JWT_SECRET: stack.supabase.jwtSecret,
  SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey,
  LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS: apps.adminJob.clientId,
});

// ---------------------------------------------------------------------------------------------

describe('verification errors never quote the token', () => {
  const forged = async (token: string) => {
    const [header, payload] = token.split('.');
    return signRaw(JSON.parse(new TextDecoder().decode(base64url.decode(header!))), JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), {
      alg: 'ES384',
      key: p384Key.privateKey,
    });
  };

  it('for bad tokens and headers through the bridge, the verifier and every adapter', async () => {
    const bridge = createLogtoSupabase(options);
    const strict = createLogtoSupabase({ ...options, logto: { ...options.logto, requiredScopes: ['admin:posts'], organizationId: organization.id } });
    const thirdParty = createLogtoSupabase({ logto: options.logto, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' } });
    const logtoDown = createLogtoSupabase({ ...options, logto: { endpoint: 'http://127.0.0.1:9', audience: api.resource } });
    const tampered = tokens.alice!.replace(/\.([^.]+)\./, (_match, payload: string) => {
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
      return `.${base64url.encode(JSON.stringify({ ...claims, sub: users.bob.id }))}.`;
    });
    const headers: [string, string][] = [
      ['an expired token', `Bearer ${tokens.expired}`],
      ['a forged token', `Bearer ${await forged(tokens.alice!)}`],
      ['a tampered token', `Bearer ${tampered}`],
      ['an ID token', `Bearer ${tokens.aliceIdToken}`],
      ['a refresh token', `Bearer ${tokens.aliceRefreshToken}`],
      ['an organization token', `Bearer ${tokens.organization}`],
      ['a minted Supabase JWT', `Bearer ${tokens.mintedForAlice}`],
      ['a Supabase JWT of the signing key', `Bearer ${tokens.mintedWithSigningKey}`],
      ['the service_role key', `Bearer ${stack.supabase.serviceRoleKey}`],
      ['the sb_secret_ key', `Bearer ${stack.supabase.secretKey}`],
      ['the JWT secret', `Bearer ${stack.supabase.jwtSecret}`],
      ['a truncated token', `Bearer ${tokens.alice!.slice(0, -10)}`],
      ['a token with padding', `Bearer ${tokens.alice}==`],
      ['an oversized token', `Bearer ${tokens.alice}${'A'.repeat(17_000)}`],
      ['two tokens', `Bearer ${tokens.alice} ${tokens.bob}`],
      ['a token with a quote', `Bearer ${tokens.alice}"`],
      ['Basic credentials', `Basic ${btoa(`${apps.adminJob.clientId}:${apps.adminJob.clientSecret}`)}`],
      ['a token without scheme', tokens.alice!],
      ['the scheme alone', 'Bearer'],
    ];
    for (const [name, header] of headers) {
      await failure(`bridge: ${name}`, () => bridge.authenticate(new Headers({ authorization: header })));
      await failure(`bridge (Node headers): ${name}`, () => bridge.authenticate({ authorization: header }));
    }
    await failure('verifyLogtoToken: expired', () => verifyLogtoToken(tokens.expired!, options.logto));
    await failure('verifier: forged', async () => createLogtoVerifier({ ...options.logto, cache: false })(await forged(tokens.bob!)));
    await failure('missing scope and other organization', () => strict.authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` })));
    await failure('machine without the scope', () => strict.authenticate(new Headers({ authorization: `Bearer ${tokens.reporter}` })));
    await failure('third-party mode without a role claim', () => thirdParty.authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` })));
    const outage = await failure('Logto down (jwks_unavailable)', () => logtoDown.authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` })));
    expect(outage).toMatchObject({ status: 503, code: 'jwks_unavailable' });
    await failure('minting for an expired token', async () => {
      const auth = await bridge.verify(tokens.bob!);
      vi.useFakeTimers({ toFake: ['Date'], now: (auth.expiresAt + 10) * 1000 });
      try {
        return await signSupabaseJwt(auth, options.supabase);
      } finally {
        vi.useRealTimers();
      }
    });

    let answers = 0;
    await capturingOutput(async () => {
      for (const driver of drivers) {
        const app = await driver.start(options);
        try {
          for (const [name, header] of headers) {
            const response = await app.request('GET', '/api/posts', { headers: { authorization: header } });
            expect(response.status, `${driver.name}: ${name}`).toBeGreaterThanOrEqual(400);
            record(`${driver.name}: ${name}`, json({ status: response.status, headers: [...response.headers], body: response.body }));
            answers += 1;
          }
          for (const [path, token] of [['/api/admin', tokens.reporter], ['/api/assert', tokens.alice]] as const) {
            const response = await app.request(path === '/api/admin' ? 'POST' : 'GET', path, { token });
            expect(response.status).toBe(403);
            record(`${driver.name}: ${path}`, json({ status: response.status, headers: [...response.headers], body: response.body }));
          }
        } finally {
          await app.close();
        }
      }
    });
    expect(answers).toBe(drivers.length * headers.length);
    expectNoSecret(seen);
  });
});

// ---------------------------------------------------------------------------------------------

describe('options, bridges, errors and auth objects, as JSON and util.inspect show them', () => {
  it('fromEnv() output redacts the JWT secret, signing key and service-role key, and keeps them usable', async () => {
    const fromSecret = fromEnv(stackEnv());
    const fromSigningKey = fromEnv({
      ...stackEnv(),
      SUPABASE_JWT_SECRET: undefined,
      SUPABASE_SIGNING_KEY: JSON.stringify(signingKey.privateJwk),
      SUPABASE_SERVICE_ROLE_KEY: undefined,
      SUPABASE_SECRET_KEY: stack.supabase.secretKey,
    });
    for (const [name, value] of [['fromEnv (secret)', fromSecret], ['fromEnv (signing key)', fromSigningKey]] as const) {
      dump(name, value);
      dump(`${name}.supabase`, value.supabase);
      dump(`${name} nested`, { config: value, list: [value.supabase] });
      record(`${name} template`, `${String(value.supabase)} ${format('%o', value.supabase)} ${format('%j', value)}`);
    }
    expect(JSON.parse(JSON.stringify(fromSecret.supabase))).toMatchObject({ jwtSecret: '[redacted]', serviceRoleKey: '[redacted]' });
    expect(fromSecret.supabase.jwtSecret).toBe(stack.supabase.jwtSecret);
    // Still the options that work: a bridge made from them authenticates and reaches Supabase.
    const { supabase } = await createLogtoSupabase(fromSigningKey).authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` }));
    const { data } = await supabase.from('posts').select('title').order('id');
    expect(data).toEqual([{ title: "Alice's first post" }, { title: "Alice's second post" }]);
    expectNoSecret(seen);
  });

  it('LogtoAuth shows "[redacted]" for the raw token, which stays readable as auth.token', async () => {
    const bridge = createLogtoSupabase(options);
    const user = await bridge.authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` }));
    const machine = await bridge.authenticate(new Headers({ authorization: `Bearer ${tokens.adminJob}` }));
    const auth = user.auth!;
    for (const [name, value] of [['user auth', auth], ['machine auth', machine.auth]] as const) {
      dump(name, value);
      dump(`${name} nested`, { request: { auth: value } });
      record(`${name} %o %j`, format('%o %j', value, value));
    }
    dump('bridge', bridge);
    dump('authenticated (user)', user);
    dump('authenticated (service role)', machine);
    expectNoSecret(seen);

    expect(auth.token).toBe(tokens.alice);
    expect(Object.isFrozen(auth)).toBe(true);
    expect(JSON.parse(JSON.stringify(auth))).toEqual({ ...auth, claims: { ...auth.claims }, scopes: [...auth.scopes], token: '[redacted]' });
    expect(inspect(auth)).toContain("token: '[redacted]'");
    expect(Object.keys(auth)).toEqual(['token', 'claims', 'subject', 'userId', 'clientId', 'isMachine', 'scopes', 'organizationId', 'expiresAt']);
    // A spread copy is a plain object again: what you copy, you own.
    expect({ ...auth }.token).toBe(tokens.alice);
  });

  it('an authenticate() result and its client show only { access, subject }, even once the client is made', async () => {
    const bridge = createLogtoSupabase(options);
    const user = await bridge.authenticate(new Headers({ authorization: `Bearer ${tokens.alice}` }));
    const machine = await bridge.authenticate(new Headers({ authorization: `Bearer ${tokens.adminJob}` }));
    const anonymous = await createLogtoSupabase({ ...options, optional: true }).authenticate(new Headers());
    // Make the real clients: they hold the keys, and are circular.
    expect((await machine.supabase.from('posts').select('id')).data).toHaveLength(5);
    expect((await user.supabase.from('posts').select('id')).data).toHaveLength(2);

    const cases = [
      [user, { access: 'user', subject: users.alice.id }],
      [machine, { access: 'service_role', subject: apps.adminJob.clientId }],
      [anonymous, { access: 'anon', subject: null }],
    ] as const;
    for (const [result, summary] of cases) {
      expect(JSON.parse(JSON.stringify(result))).toEqual(summary);
      expect(JSON.parse(JSON.stringify({ supabase: result.supabase }))).toEqual({ supabase: summary });
      expect(inspect(result)).toBe(inspect(summary));
      expect(inspect({ supabase: result.supabase })).toBe(inspect({ supabase: summary }));
      dump(`authenticated (${summary.access})`, { request: result, client: result.supabase });
      record(`authenticated (${summary.access}) circular-safe`, circularSafeJson({ request: result, client: result.supabase }));
    }
    // The fields stay what the handler uses.
    expect(machine.access).toBe('service_role');
    expect(user.auth?.subject).toBe(users.alice.id);
    expectNoSecret(seen);
  });

  it('errors of every kind, their causes and responses', async () => {
    const errors: unknown[] = [
      new LogtoAuthError('invalid_token', 'The access token expired.', { cause: new Error('jose said so') }),
      await createLogtoVerifier({ ...options.logto, cache: false })(tokens.expired!).catch((error: unknown) => error),
      await createLogtoSupabase({ ...options, logto: { endpoint: 'http://127.0.0.1:9', audience: api.resource, jwksUri: 'http://127.0.0.1:9/jwks' } })
        .verify(tokens.alice!)
        .catch((error: unknown) => error),
    ];
    for (const [index, error] of errors.entries()) await recordError(`error ${index}`, error);
    expectNoSecret(seen);
  });
});

describe("logged errors carry no claims: jose's payload is stripped from every cause", () => {
  const email = 'alice.private@example.com';
  const now = nowSeconds();
  const cases: [string, Record<string, unknown>, { claim?: string; reason?: string; code: string }][] = [
    ['a wrong audience', { aud: 'https://other-api.example.com' }, { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud', reason: 'check_failed' }],
    ['a wrong issuer', { iss: 'https://evil.example/oidc' }, { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss', reason: 'check_failed' }],
    ['an expired token', { iat: now - 7200, exp: now - 3600 }, { code: 'ERR_JWT_EXPIRED', claim: 'exp', reason: 'check_failed' }],
    ['an nbf ahead', { nbf: now + 600 }, { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf', reason: 'check_failed' }],
    ['no exp', { exp: undefined }, { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'exp', reason: 'missing' }],
  ];

  it.each(cases)('%s: util.inspect, JSON and the cause show no claim, the cause keeps jose\'s code, claim and reason', async (_name, claims, cause) => {
    const key = await generateTestKey('ES256', 'logto-es256');
    const token = await signToken(key, { claims: { email, name: 'Alice Private', ...claims } });
    const error = await verifyLogtoToken(token, { endpoint: ENDPOINT, audience: AUDIENCE, jwks: jwksOf(key), cache: false }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LogtoAuthError);
    const shown = [inspect(error, { depth: Infinity, showHidden: true }), json(error), String((error as Error).cause), (error as Error).stack ?? ''];
    for (const text of shown) {
      expect(text).not.toContain(email);
      expect(text).not.toContain(token.split('.')[1]);
    }
    expect((error as Error).cause).toMatchObject(cause);
    expect((error as Error).cause).not.toHaveProperty('payload');
    expect(((error as Error).cause as Error).cause).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

describe('nothing the library writes holds a secret', () => {
  it('while the adapters serve good, machine and bad requests, and the doctor runs every way', async () => {
    let served = 0;
    await capturingOutput(async () => {
      for (const driver of drivers) {
        for (const driverOptions of [options, signingKeyOptions]) {
          const app = await driver.start(driverOptions);
          try {
            for (const token of [tokens.alice, tokens.bob, tokens.adminJob, tokens.reporter, tokens.expired, tokens.organization]) {
              const response = await app.request('GET', '/api/posts', { token });
              record(`${driver.name} GET /api/posts`, json(response.body));
              served += 1;
            }
            await app.request('POST', '/api/posts', { token: tokens.alice, body: { title: 'logged?', user_id: users.bob.id } });
            await app.request('GET', '/api/public');
          } finally {
            await app.close();
          }
        }
      }
      const doctorRuns: [string, LogtoSupabaseOptions, { token?: string }][] = [
        ['healthy (HS256)', options, {}],
        ['healthy (signing key)', signingKeyOptions, {}],
        ['wrong JWT secret', { ...options, supabase: { ...options.supabase, jwtSecret: `${stack.supabase.jwtSecret}-wrong` } }, {}],
        ['service_role key as anon key', { ...options, supabase: { ...options.supabase, anonKey: stack.supabase.serviceRoleKey } }, {}],
        ['Supabase unreachable', { ...options, supabase: { ...options.supabase, url: 'http://127.0.0.1:9' } }, {}],
        ['Logto unreachable', { ...options, logto: { ...options.logto, endpoint: 'http://127.0.0.1:9' } }, {}],
        ['third-party with a token', { ...options, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' } }, { token: tokens.alice! }],
        ['third-party with an expired token', { ...options, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' } }, { token: tokens.expired! }],
      ];
      for (const [name, doctorOptions, doctor] of doctorRuns) {
        const checks = await runDoctor(doctorOptions, { ...doctor, timeoutMs: 2000 });
        record(`doctor ${name}`, formatChecks(checks));
        dump(`doctor ${name} checks`, checks);
      }
    });
    expect(served).toBe(drivers.length * 2 * 6);
    expect(seen.filter(({ where }) => where.startsWith('doctor')).length).toBe(8 * 3);
    // The library itself writes nothing; whatever was written must still be clean.
    expectNoSecret(seen);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the service role stays on the server and is never minted', () => {
  it('refuses to create a service-role client where window and document exist', async () => {
    vi.stubGlobal('window', {});
    vi.stubGlobal('document', {});
    for (const serviceRoleKey of [stack.supabase.serviceRoleKey, stack.supabase.secretKey]) {
      const error = await failure('service-role client in a browser', () => createServiceRoleClient({ url: stack.supabase.url, serviceRoleKey }));
      expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
      expect(error.message).toBe(
        'supabase.serviceRoleKey: cannot be used in a browser: a service-role client bypasses Row-Level Security and belongs on a server.',
      );
    }
    // A bridge that would hand out service-role clients is refused when it is made.
    const bridgeError = await failure('bridge with allowlisted machines in a browser', () => createLogtoSupabase(options));
    expect(bridgeError).toMatchObject({ option: 'supabase.serviceRoleKey' });
    expectNoSecret(seen);

    vi.unstubAllGlobals();
    expect(createServiceRoleClient({ url: stack.supabase.url, serviceRoleKey: stack.supabase.secretKey })).toBeDefined();
  });

  it('refuses role "service_role" in jwt.claims, as an object or from a function, and Supabase never sees it', async () => {
    const claimsObject: SupabaseOptions = { ...options.supabase, jwt: { claims: { role: 'service_role' } } };
    const claimsFunction: SupabaseOptions = {
      ...options.supabase,
      jwt: { claims: (auth: LogtoAuth | null) => (auth?.isMachine === false ? { role: 'service_role' } : {}) },
    };
    const auth = await createLogtoSupabase(options).verify(tokens.alice!);
    const message =
      'supabase.jwt.claims: may not set role "service_role": minted JWTs are for RLS-bound users; use createServiceRoleClient for trusted work.';
    for (const [name, action] of [
      ['object, subject', () => signSupabaseJwt(users.alice.id, claimsObject)],
      ['object, auth', () => signSupabaseJwt(auth, claimsObject)],
      ['function, auth', () => signSupabaseJwt(auth, claimsFunction)],
      ['object, bridge', () => createLogtoSupabase({ ...options, supabase: claimsObject })],
      ['object, user client', () => createUserSupabaseClient(auth, claimsObject)],
    ] as const) {
      const error = await failure(`service_role claims: ${name}`, action);
      expect(error, name).toBeInstanceOf(LogtoSupabaseConfigError);
      expect(error.message).toBe(message);
    }

    // Through a client the refusal happens before any request: Supabase answers nothing, no rows
    // leak. (supabase-js logs the refusal when it first asks for a token: that line is checked too.)
    const received: string[] = [];
    await capturingOutput(async () => {
      const client = createUserSupabaseClient(auth, {
        ...claimsFunction,
        clientOptions: {
          global: {
            fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
              const authorization = new Headers(init?.headers).get('authorization') ?? '';
              received.push(String(decodeJwt(authorization.replace(/^Bearer /, '')).role));
              return fetch(input, init);
            }) as typeof fetch,
          },
        },
      });
      // An RPC is a POST: supabase-js would retry a GET three times with backoff.
      const { data, error } = await client.rpc('whoami');
      expect(data).toBeNull();
      expect(error?.message).toContain('may not set role "service_role"');
    });
    expect(received).toEqual([]);

    // A role the library sets itself, whatever the claims say.
    const minted = decodeJwt(await signSupabaseJwt(auth, { ...options.supabase, jwt: { claims: { role: 'postgres', sub: 'someone-else' } } }));
    expect(minted).toMatchObject({ role: 'authenticated', sub: users.alice.id });
    expectNoSecret(seen);
  });

  it('a minted JWT carrying role service_role (forged with the secret) is still not an access token', async () => {
    const serviceJwt = await new SignJWT({ role: 'service_role' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(stack.logto.issuer)
      .setAudience(api.resource)
      .setSubject(users.alice.id)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(stack.supabase.jwtSecret));
    addSecret('a service_role JWT', serviceJwt);
    const error = await failure('HS256 service_role JWT as a Logto token', () =>
      createLogtoSupabase(options).authenticate(new Headers({ authorization: `Bearer ${serviceJwt}` })),
    );
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', message: 'The token\'s signing algorithm "HS256" is not allowed.' });
    expectNoSecret(seen);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the operator\'s logger never receives a token, a secret or a claim value', () => {
  it('through the start-up configuration, key sets loaded and rotated, refusals, unknown kids, outages and the store', async () => {
    const logger = new RecordingLogger();
    const claimValues = new Map<string, string>();
    for (const name of ['alice', 'bob', 'organization', 'adminJob', 'reporter'] as const) {
      for (const [claim, value] of Object.entries(decodeJwt(tokens[name]!))) {
        // iss and aud are configuration, logged on purpose; short values (times, flags) match anything.
        if (claim !== 'iss' && claim !== 'aud' && typeof value === 'string' && value.length >= 8) claimValues.set(`the ${name} token's ${claim}`, value);
      }
    }
    const stored = new Map<string, unknown>();
    const jwksCache = { get: (uri: string) => stored.get(uri) as never, set: (uri: string, jwks: unknown) => void stored.set(uri, jwks) };
    clearJwksCache();
    const bridges = [
      createLogtoSupabase({ ...options, logger, logto: { ...options.logto, jwksCache } }),
      createLogtoSupabase({ ...signingKeyOptions, logger, machines: { serviceRole: { clientIds: [apps.adminJob.clientId] } } }),
      createLogtoSupabase({ logto: { ...options.logto, logger }, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' } }),
    ];
    // Credentials in the JWKS URL, and a secret as the password: the outage is logged without them.
    const down = createLogtoSupabase({
      ...options,
      logger,
      logto: { issuer: stack.logto.issuer, jwksUri: `http://svc:${stack.supabase.jwtSecret}@127.0.0.1:9/oidc/jwks`, audience: api.resource },
    });
    const unknownKid = await signRaw({ alg: 'ES384', typ: 'at+jwt', kid: 'not-published' }, decodeJwt(tokens.alice!), { alg: 'ES384', key: p384Key.privateKey });
    const presented = [
      ...Object.values(tokens),
      unknownKid,
      unknownKid,
      stack.supabase.jwtSecret,
      stack.supabase.serviceRoleKey,
      stack.supabase.secretKey,
      `${tokens.alice}==`,
    ];
    const attempt = (bridge: (typeof bridges)[number], token: string) => bridge.authenticate(new Headers({ authorization: `Bearer ${token}` })).catch(() => undefined);
    for (const bridge of bridges) for (const token of presented) await attempt(bridge, token);
    await attempt(down, tokens.alice!);
    await stack.logto.rotateKeys();
    const rotated = (await stack.logto.signIn('alice')).accessToken;
    // Past the unknown-kid cooldown the rotation is learnt.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });
    try {
      await attempt(bridges[0]!, rotated);
    } finally {
      vi.useRealTimers();
    }
    addSecret('the token of the rotated key', rotated);

    // Every path was taken: configuration, load, rotation, cooldown refusal, outage.
    const text = logger.text();
    expect(text).toContain('Supabase at');
    expect(text).toContain('loaded the key set of');
    expect(text).toContain('changed (from the issuer): added');
    expect(text).toContain('refused a token signed with key "not-published"');
    expect(logger.messages('error')).toEqual([expect.stringContaining('the key set at http://127.0.0.1:9/oidc/jwks could not be loaded')]);
    expect(stored.size).toBe(1);
    const leaks = [...secrets, ...claimValues].filter(([, value]) => text.includes(value)).map(([name]) => name);
    expect(leaks).toEqual([]);
  });
});
