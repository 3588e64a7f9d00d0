/**
 * Misconfiguration is found when a verifier, client or bridge is made, with a message that names
 * the option and the fix, and never quotes a secret.
 */
import { inspect } from 'node:util';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createLogtoSupabase,
  createLogtoVerifier,
  createServiceRoleClient,
  createUserSupabaseClient,
  fromEnv,
  LogtoAuthError,
  LogtoSupabaseConfigError,
  signSupabaseJwt,
  verifyLogtoToken,
  type LogtoSupabaseOptions,
  type LogtoVerifierOptions,
  type SupabaseOptions,
} from '../../src/index.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, signToken, USER_ID } from '../helpers/tokens.js';
import { JWT_SECRET, PUBLISHABLE_KEY, SECRET_KEY as SERVICE_ROLE_SECRET_KEY, SUPABASE_URL } from '../helpers/supabase.js';


/** A legacy Supabase API key: an HS256 JWT of the project secret with a `role`. */
const legacyKey = (role: string) =>
  new SignJWT({ iss: 'supabase', ref: 'abcdefghijklmnopqrst', role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('10y')
    .sign(new TextEncoder().encode(JWT_SECRET));
const ANON_JWT_KEY = await legacyKey('anon');
const SERVICE_ROLE_JWT_KEY = await legacyKey('service_role');
const USER_JWT = await new SignJWT({ role: 'authenticated' })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(USER_ID)
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(JWT_SECRET));

const logtoKey = await generateTestKey('ES384', 'logto');
const es256Key = await generateTestKey('ES256', 'supabase-es256');
const p384Key = await generateTestKey('ES384', 'supabase-p384');

const logto = (overrides: Partial<LogtoVerifierOptions> = {}): LogtoVerifierOptions => ({ endpoint: ENDPOINT, audience: AUDIENCE, ...overrides });
const supabase = (overrides: Partial<SupabaseOptions> = {}): SupabaseOptions => ({ url: SUPABASE_URL, anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET, ...overrides });
const bridgeOptions = (overrides: Partial<LogtoSupabaseOptions> = {}): LogtoSupabaseOptions => ({ logto: logto(), supabase: supabase(), ...overrides });

/** Every secret the tests hand to the library: none may show up in a message or a dump. */
const secrets = [JWT_SECRET, SERVICE_ROLE_SECRET_KEY, SERVICE_ROLE_JWT_KEY, String(es256Key.privateJwk.d), String(p384Key.privateJwk.d)];

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** The configuration error `action` throws: exactly this option and message, no secret in it. */
function expectConfigError(action: () => unknown, option: string, message: string): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(LogtoSupabaseConfigError);
  const error = thrown as LogtoSupabaseConfigError;
  expect({ option: error.option, message: error.message, code: error.code }).toEqual({ option, message: `${option}: ${message}`, code: 'invalid_config' });
  expectNoSecret(error.message);
  expectNoSecret(inspect(error));
}

async function expectConfigRejection(action: () => Promise<unknown>, option: string, message: string): Promise<void> {
  const thrown = await action().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(LogtoSupabaseConfigError);
  const error = thrown as LogtoSupabaseConfigError;
  expect({ option: error.option, message: error.message }).toEqual({ option, message: `${option}: ${message}` });
  expectNoSecret(error.message);
}

const endpointRequired =
  'is required: the URL of your Logto tenant, e.g. https://<tenant-id>.logto.app. Or give `issuer` and `jwksUri` (or `jwks`) instead, e.g. behind a proxy or on a custom domain.';

const algorithmsMessage = (refused: string) =>
  `${refused} cannot be allowed: only asymmetric algorithms (ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512) verify Logto tokens; "none" and HS* never.`;

describe('createLogtoVerifier validates the Logto options', () => {
  const cases: [string, Partial<LogtoVerifierOptions> | Record<string, unknown>, string, string][] = [
    ['a missing endpoint', { endpoint: undefined }, 'endpoint', endpointRequired],
    ['a missing endpoint with an issuer but no jwksUri or jwks', { endpoint: undefined, issuer: `${ENDPOINT}/oidc` }, 'endpoint', endpointRequired],
    ['a missing endpoint with a jwksUri but no issuer', { endpoint: undefined, jwksUri: `${ENDPOINT}/oidc/jwks` }, 'endpoint', endpointRequired],
    ['an empty endpoint', { endpoint: '  ' }, 'endpoint', 'is required: the URL of your Logto tenant, e.g. https://<tenant-id>.logto.app.'],
    ['an endpoint ending with /oidc', { endpoint: `${ENDPOINT}/oidc` }, 'endpoint', 'is the Logto endpoint without "/oidc" (the issuer is derived as `${endpoint}/oidc`).'],
    ['an endpoint ending with /oidc/', { endpoint: `${ENDPOINT}/oidc/` }, 'endpoint', 'is the Logto endpoint without "/oidc" (the issuer is derived as `${endpoint}/oidc`).'],
    ['an endpoint that is not a URL', { endpoint: 'tenant.logto.app' }, 'endpoint', 'is not a valid URL; expected something like https://<tenant-id>.logto.app.'],
    ['an endpoint that is not http(s)', { endpoint: 'ftp://tenant.logto.app' }, 'endpoint', 'must be an http(s) URL.'],
    [
      'a missing audience',
      { audience: undefined },
      'audience',
      'is required: the API resource indicator your tokens are issued for (Logto Console → API resources), e.g. "https://api.example.com".',
    ],
    ['an empty audience array', { audience: [] }, 'audience', 'must be the API resource indicator(s): a non-empty string or a non-empty array of them.'],
    ['an empty audience string', { audience: '' }, 'audience', 'must be the API resource indicator(s): a non-empty string or a non-empty array of them.'],
    ['an empty issuer list', { issuer: [] }, 'issuer', 'must be the token issuer(s): a non-empty string or a non-empty array of them.'],
    ['algorithms containing "none"', { algorithms: ['ES384', 'none'] }, 'algorithms', algorithmsMessage('"none"')],
    ['algorithms containing "HS256"', { algorithms: ['HS256'] }, 'algorithms', algorithmsMessage('"HS256"')],
    ['algorithms containing "none" and "HS512"', { algorithms: ['none', 'HS512', 'RS256'] }, 'algorithms', algorithmsMessage('"none", "HS512"')],
    ['an empty algorithms list', { algorithms: [] }, 'algorithms', 'must be JWS algorithm names: a non-empty string or a non-empty array of them.'],
    ['requiredScopes with a space in a scope', { requiredScopes: ['read posts'] }, 'requiredScopes', 'must be an array of scope names (no spaces), e.g. ["read:posts"].'],
    ['requiredScopes that is a string', { requiredScopes: 'read:posts' }, 'requiredScopes', 'must be an array of scope names (no spaces), e.g. ["read:posts"].'],
    ['an empty organizationId', { organizationId: '' }, 'organizationId', 'must be a non-empty Logto organization id.'],
    ['a negative clockTolerance', { clockTolerance: -1 }, 'clockTolerance', 'must be a number of zero or more.'],
    ['a jwksTimeoutMs that is a string', { jwksTimeoutMs: '200' }, 'jwksTimeoutMs', 'must be a number of zero or more.'],
    ['a jwks that is not a key set', { jwks: [logtoKey.publicJwk] }, 'jwks', 'must be a JSON Web Key Set of public keys, but it is not a JSON Web Key Set ({ "keys": [...] }).'],
    ['an empty jwks', { jwks: { keys: [] } }, 'jwks', 'must be a JSON Web Key Set of public keys, but it holds no keys.'],
    ['a jwks holding a private key', { jwks: { keys: [es256Key.privateJwk] } }, 'jwks', 'must hold public keys only: remove private ("d") and symmetric ("oct") keys.'],
    ['a jwks holding a symmetric key', { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'jwks', 'must hold public keys only: remove private ("d") and symmetric ("oct") keys.'],
    ['a fetch that is not a function', { fetch: 'https://proxy' }, 'fetch', 'must be a fetch function.'],
    ['a jwksCache without set', { jwksCache: { get: () => undefined } }, 'jwksCache', 'must be a store with get(uri) and set(uri, jwks) methods (sync or async).'],
    ['a jwksCache that is a Map-like string', { jwksCache: 'redis://cache' }, 'jwksCache', 'must be a store with get(uri) and set(uri, jwks) methods (sync or async).'],
    ['a logger that is a function', { logger: console.log }, 'logger', 'must be an object with warn/error/info/debug methods, e.g. console or a pino logger.'],
    ['a cache size of zero', { cache: { maxEntries: 0 } }, 'cache.maxEntries', 'must be a whole number of 1 or more (or set cache: false).'],
    ['a cache that is true', { cache: true }, 'cache', 'must be false or { maxEntries }.'],
    ['a fractional cache size', { cache: { maxEntries: 2.5 } }, 'cache.maxEntries', 'must be a whole number of 1 or more (or set cache: false).'],
  ];

  it.each(cases)('refuses %s', (_name, overrides, option, message) => {
    expectConfigError(() => createLogtoVerifier(logto(overrides as Partial<LogtoVerifierOptions>)), option, message);
  });

  it('names the option under "logto." when the bridge is made', () => {
    expectConfigError(
      () => createLogtoSupabase(bridgeOptions({ logto: logto({ endpoint: `${ENDPOINT}/oidc` }) })),
      'logto.endpoint',
      'is the Logto endpoint without "/oidc" (the issuer is derived as `${endpoint}/oidc`).',
    );
    expectConfigError(() => createLogtoSupabase(bridgeOptions({ logto: logto({ algorithms: ['none'] }) })), 'logto.algorithms', algorithmsMessage('"none"'));
    expectConfigError(
      () => createLogtoSupabase(bridgeOptions({ logto: logto({ cache: { maxEntries: 0 } }) })),
      'logto.cache.maxEntries',
      'must be a whole number of 1 or more (or set cache: false).',
    );
  });

  it('needs no endpoint when issuer and jwks are given (static keys on the edge)', async () => {
    const issuer = 'https://auth.example.com/oidc';
    const verify = createLogtoVerifier({ issuer, jwks: jwksOf(logtoKey), audience: AUDIENCE });
    await expect(verify(await signToken(logtoKey, { claims: { iss: issuer } }))).resolves.toMatchObject({ userId: USER_ID });
    await expect(verify(await signToken(logtoKey))).rejects.toMatchObject({ code: 'invalid_token', message: 'The token was issued by another issuer.' });
  });

  it('needs no endpoint when issuer and jwksUri are given (behind a proxy): the keys come from that URI', async () => {
    const issuer = 'https://auth.example.com/oidc';
    const jwksUri = 'http://logto.internal:3001/oidc/jwks';
    const requested: string[] = [];
    const fetchJwks: typeof fetch = async (input) => {
      requested.push(String(input));
      return Response.json(jwksOf(logtoKey));
    };
    const verify = createLogtoVerifier({ issuer, jwksUri, audience: AUDIENCE, fetch: fetchJwks });
    await expect(verify(await signToken(logtoKey, { claims: { iss: issuer } }))).resolves.toMatchObject({ userId: USER_ID });
    expect(requested).toEqual([jwksUri]);
  });

  it('refuses missing options altogether', () => {
    expectConfigError(() => createLogtoVerifier(undefined as unknown as LogtoVerifierOptions), 'options', 'Logto options are required: { endpoint, audience }.');
  });

  it('verifyLogtoToken rejects (never throws synchronously) for bad options, before looking at the token', async () => {
    const pending = verifyLogtoToken('anything', logto({ audience: [] }));
    await expectConfigRejection(() => pending, 'audience', 'must be the API resource indicator(s): a non-empty string or a non-empty array of them.');
  });
});

const clientHeaderMessage = (header: string) =>
  `may not set "${header}": the library sends the user's JWT as Authorization and the anon key as apikey, and a header here would replace them on every request (a user's request would run with that credential, outside Row-Level Security). Remove it; use createServiceRoleClient for trusted work.`;

describe('Supabase options are validated by every entry point', () => {
  const cases: [string, Partial<SupabaseOptions> | Record<string, unknown>, string, string][] = [
    ['a missing url', { url: undefined }, 'supabase.url', 'is required: your Supabase project URL, e.g. https://<project-ref>.supabase.co.'],
    ['a url without scheme', { url: 'abcdefghijklmnopqrst.supabase.co' }, 'supabase.url', 'is required: your Supabase project URL, e.g. https://<project-ref>.supabase.co.'],
    ['an unknown mode', { mode: 'proxy' }, 'supabase.mode', 'must be "mint" or "third-party".'],
    ['a missing anonKey', { anonKey: undefined }, 'supabase.anonKey', 'is required: the anon or publishable (sb_publishable_…) key from Project Settings → API Keys.'],
    [
      'an anonKey that is a service_role JWT key',
      { anonKey: SERVICE_ROLE_JWT_KEY },
      'supabase.anonKey',
      'holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.',
    ],
    [
      'an anonKey that is an sb_secret_ key',
      { anonKey: SERVICE_ROLE_SECRET_KEY },
      'supabase.anonKey',
      'holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.',
    ],
    [
      'an anonKey that is a user JWT',
      { anonKey: USER_JWT },
      'supabase.anonKey',
      'holds a user JWT, not an API key: use the anon or publishable key (the minted JWT goes in Authorization, never in apikey).',
    ],
    [
      'a jwtSecret shorter than 32 characters',
      { jwtSecret: JWT_SECRET.slice(0, 31) },
      'supabase.jwtSecret',
      "must be the project's JWT secret, at least 32 characters (Project Settings → JWT Keys → Legacy JWT secret).",
    ],
    ['both jwtSecret and signingKey', { signingKey: es256Key.privateJwk }, 'supabase.jwtSecret', 'and signingKey are both set: give exactly one of them.'],
    [
      'neither jwtSecret nor signingKey',
      { jwtSecret: undefined },
      'supabase.jwtSecret',
      'or signingKey is required to mint Supabase JWTs (or set mode: "third-party").',
    ],
    [
      'a signingKey without kid',
      { jwtSecret: undefined, signingKey: { ...es256Key.privateJwk, kid: undefined } },
      'supabase.signingKey',
      'needs a "kid": Supabase only tries the key whose id the token names.',
    ],
    [
      'a signingKey that is only the public key',
      { jwtSecret: undefined, signingKey: es256Key.publicJwk },
      'supabase.signingKey',
      'must be the private key (with "d"), not its public part.',
    ],
    [
      'a signingKey on the P-384 curve',
      { jwtSecret: undefined, signingKey: p384Key.privateJwk },
      'supabase.signingKey',
      'must be an ES256 (EC P-256) or RS256 (RSA) key: the algorithms Supabase signing keys support.',
    ],
    [
      'a signingKey whose alg is not its type',
      { jwtSecret: undefined, signingKey: { ...es256Key.privateJwk, alg: 'ES384' } },
      'supabase.signingKey',
      'must be an ES256 (EC P-256) or RS256 (RSA) key: the algorithms Supabase signing keys support.',
    ],
    [
      'a signingKey string that is not JSON',
      { jwtSecret: undefined, signingKey: `{"kty":"EC","d":"${String(es256Key.privateJwk.d)}"` },
      'supabase.signingKey',
      'is not valid JSON: give the private JWK (e.g. from `supabase gen signing-key --algorithm ES256`).',
    ],
    [
      'a jwtSecret in third-party mode',
      { mode: 'third-party' },
      'supabase.jwtSecret',
      "is not used in third-party mode (Supabase trusts Logto's own tokens): remove it.",
    ],
    [
      'a signingKey in third-party mode',
      { mode: 'third-party', jwtSecret: undefined, signingKey: es256Key.privateJwk },
      'supabase.signingKey',
      "is not used in third-party mode (Supabase trusts Logto's own tokens): remove it.",
    ],
    ['jwt.expiresIn below 30', { jwt: { expiresIn: 29 } }, 'supabase.jwt.expiresIn', 'must be a whole number of seconds from 30 to 86400.'],
    ['jwt.expiresIn above a day', { jwt: { expiresIn: 86_401 } }, 'supabase.jwt.expiresIn', 'must be a whole number of seconds from 30 to 86400.'],
    ['jwt.expiresIn that is not whole', { jwt: { expiresIn: 60.5 } }, 'supabase.jwt.expiresIn', 'must be a whole number of seconds from 30 to 86400.'],
    ['jwt.expiresIn that is a string', { jwt: { expiresIn: '1h' } }, 'supabase.jwt.expiresIn', 'must be a whole number of seconds from 30 to 86400.'],
    ['jwt.claims that is a string', { jwt: { claims: 'role=admin' } }, 'supabase.jwt.claims', 'must be an object of claims or a function (auth) => claims.'],
    [
      'jwt.claims setting role "service_role"',
      { jwt: { claims: { role: 'service_role' } } },
      'supabase.jwt.claims',
      'may not set role "service_role": minted JWTs are for RLS-bound users; use createServiceRoleClient for trusted work.',
    ],
    ['an empty serviceRoleKey', { serviceRoleKey: '' }, 'supabase.serviceRoleKey', 'must be the service_role or sb_secret_… key.'],
    ...(
      [
        ['an sb_secret_ key after a space, as anonKey', { anonKey: ` ${SERVICE_ROLE_SECRET_KEY}` }, 'supabase.anonKey'],
        ['an sb_secret_ key after a newline, as anonKey', { anonKey: `\n${SERVICE_ROLE_SECRET_KEY}` }, 'supabase.anonKey'],
        ['a service_role JWT key after a tab, as anonKey', { anonKey: `\t${SERVICE_ROLE_JWT_KEY}` }, 'supabase.anonKey'],
        ['a publishable key with a trailing newline', { anonKey: `${PUBLISHABLE_KEY}\n` }, 'supabase.anonKey'],
        ['a publishable key with a NUL inside', { anonKey: `${PUBLISHABLE_KEY}\0x` }, 'supabase.anonKey'],
        ['a jwtSecret with a trailing space', { jwtSecret: `${JWT_SECRET} ` }, 'supabase.jwtSecret'],
        ['a serviceRoleKey after a space', { serviceRoleKey: ` ${SERVICE_ROLE_SECRET_KEY}` }, 'supabase.serviceRoleKey'],
      ] as const
    ).map(([name, overrides, option]) => [
      name,
      overrides,
      option,
      'has whitespace around it or control characters in it: give the key exactly as the Supabase dashboard shows it.',
    ] as [string, Record<string, unknown>, string, string]),
    ...['Authorization', 'authorization', 'apikey', 'APIKEY', 'ApiKey'].map((header) => [
      `clientOptions.global.headers setting ${header} (it would replace the user's JWT or the anon key)`,
      { clientOptions: { global: { headers: { 'x-app': 'demo', [header]: `Bearer ${SERVICE_ROLE_JWT_KEY}` } } } },
      'supabase.clientOptions.global.headers',
      clientHeaderMessage(header),
    ] as [string, Record<string, unknown>, string, string]),
    [
      'clientOptions.global.headers as a Headers object with an apikey',
      { clientOptions: { global: { headers: new Headers({ apikey: SERVICE_ROLE_SECRET_KEY }) } } },
      'supabase.clientOptions.global.headers',
      clientHeaderMessage('apikey'),
    ],
  ];

  it.each(cases)('createUserSupabaseClient refuses %s', (_name, overrides, option, message) => {
    expectConfigError(() => createUserSupabaseClient(USER_ID, supabase(overrides as Partial<SupabaseOptions>)), option, message);
  });

  it.each(cases)('createLogtoSupabase refuses %s', (_name, overrides, option, message) => {
    expectConfigError(() => createLogtoSupabase(bridgeOptions({ supabase: supabase(overrides as Partial<SupabaseOptions>) })), option, message);
  });

  it.each(cases)('signSupabaseJwt refuses %s', async (_name, overrides, option, message) => {
    await expectConfigRejection(() => signSupabaseJwt(USER_ID, supabase(overrides as Partial<SupabaseOptions>)), option, message);
  });

  it('refuses a signingKey that cannot be imported when the first JWT is signed, without quoting it', async () => {
    const broken = { kty: 'EC', crv: 'P-256', kid: 'broken', x: 'AAAA', y: 'AAAA', d: String(es256Key.privateJwk.d) };
    await expectConfigRejection(
      () => signSupabaseJwt(USER_ID, supabase({ jwtSecret: undefined, signingKey: broken })),
      'supabase.signingKey',
      'could not be imported as an ES256 private key: check that it is the whole JWK.',
    );
  });

  it('refuses a bare subject for a user client in third-party mode: the Logto token is needed', () => {
    expectConfigError(
      () => createUserSupabaseClient(USER_ID, supabase({ mode: 'third-party', jwtSecret: undefined })),
      'supabase.mode',
      'is "third-party": a client needs the verified Logto token (LogtoAuth), not a bare subject, since nothing is minted.',
    );
  });

  it('refuses to mint in third-party mode', async () => {
    await expectConfigRejection(
      () => signSupabaseJwt(USER_ID, supabase({ mode: 'third-party', jwtSecret: undefined })),
      'supabase.mode',
      'is "third-party": Supabase trusts Logto tokens directly and nothing is minted.',
    );
  });
});

describe('createLogtoSupabase validates its own options', () => {
  it('refuses missing options', () => {
    expectConfigError(
      () => createLogtoSupabase(undefined as unknown as LogtoSupabaseOptions),
      'options',
      'are required: { logto: { endpoint, audience }, supabase: { url, anonKey, jwtSecret } }.',
    );
  });

  it('refuses a missing logto part', () => {
    expectConfigError(() => createLogtoSupabase({ supabase: supabase() } as LogtoSupabaseOptions), 'logto', 'is required: { endpoint, audience }.');
  });

  it('refuses a missing supabase part', () => {
    expectConfigError(
      () => createLogtoSupabase({ logto: logto() } as LogtoSupabaseOptions),
      'supabase',
      'Supabase options are required: { url, anonKey, jwtSecret | signingKey }.',
    );
  });

  it('refuses machines.serviceRole.clientIds without serviceRoleKey', () => {
    expectConfigError(
      () => createLogtoSupabase(bridgeOptions({ machines: { serviceRole: { clientIds: ['m2m9c4lgd0xqh7u1rvp3e'] } } })),
      'supabase.serviceRoleKey',
      'is required for a service-role client: the service_role or sb_secret_… key (Project Settings → API Keys).',
    );
  });

  it('refuses machines.serviceRole.clientIds with an anon key as serviceRoleKey', () => {
    expectConfigError(
      () =>
        createLogtoSupabase(
          bridgeOptions({ supabase: supabase({ serviceRoleKey: ANON_JWT_KEY }), machines: { serviceRole: { clientIds: ['m2m9c4lgd0xqh7u1rvp3e'] } } }),
        ),
      'supabase.serviceRoleKey',
      'holds an anon/publishable key, which cannot bypass RLS: give the service_role or sb_secret_… key.',
    );
  });

  it('refuses clientIds that are not strings', () => {
    expectConfigError(
      () => createLogtoSupabase(bridgeOptions({ machines: { serviceRole: { clientIds: [42 as unknown as string] } } })),
      'machines.serviceRole.clientIds',
      'must be an array of Logto application ids (machine-to-machine apps).',
    );
  });

  it('refuses service-role scopes with spaces', () => {
    expectConfigError(
      () => createLogtoSupabase(bridgeOptions({ machines: { serviceRole: { scopes: ['admin all'] } } })),
      'machines.serviceRole.scopes',
      'must be an array of scope names (no spaces), e.g. ["read:posts"].',
    );
  });

  it('refuses an optional flag that is not a boolean', () => {
    expectConfigError(() => createLogtoSupabase(bridgeOptions({ optional: 'yes' as unknown as boolean })), 'optional', 'must be true or false.');
  });
});

describe('createServiceRoleClient accepts only a secret key, on a server', () => {
  it.each([
    ['an sb_secret_ key', SERVICE_ROLE_SECRET_KEY],
    ['a legacy service_role JWT key', SERVICE_ROLE_JWT_KEY],
  ])('builds a client from %s', (_name, serviceRoleKey) => {
    expect(createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey })).toBeDefined();
  });

  it.each([
    ['a legacy anon JWT key', ANON_JWT_KEY],
    ['an sb_publishable_ key', PUBLISHABLE_KEY],
  ])('refuses %s', (_name, serviceRoleKey) => {
    expectConfigError(
      () => createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey }),
      'supabase.serviceRoleKey',
      'holds an anon/publishable key, which cannot bypass RLS: give the service_role or sb_secret_… key.',
    );
  });

  it.each([
    ['an sb_secret_ key with a trailing newline', `${SERVICE_ROLE_SECRET_KEY}\n`],
    ['a service_role JWT key after a space', ` ${SERVICE_ROLE_JWT_KEY}`],
  ])('refuses %s, naming the slip rather than the kind', (_name, serviceRoleKey) => {
    expectConfigError(
      () => createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey }),
      'supabase.serviceRoleKey',
      'has whitespace around it or control characters in it: give the key exactly as the Supabase dashboard shows it.',
    );
  });

  it('refuses a user JWT', () => {
    expectConfigError(
      () => createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey: USER_JWT }),
      'supabase.serviceRoleKey',
      'is not a Supabase service_role JWT key or sb_secret_… key.',
    );
  });

  it('refuses a missing key', () => {
    expectConfigError(
      () => createServiceRoleClient({ url: SUPABASE_URL }),
      'supabase.serviceRoleKey',
      'is required for a service-role client: the service_role or sb_secret_… key (Project Settings → API Keys).',
    );
  });

  it('refuses a missing url', () => {
    expectConfigError(
      () => createServiceRoleClient({ serviceRoleKey: SERVICE_ROLE_SECRET_KEY } as SupabaseOptions),
      'supabase.url',
      'is required: your Supabase project URL, e.g. https://<project-ref>.supabase.co.',
    );
  });

  describe('in a browser (window and document defined)', () => {
    const scope = globalThis as { window?: unknown; document?: unknown };
    afterEach(() => {
      delete scope.window;
      delete scope.document;
    });

    it('refuses to build, even with a valid secret key', () => {
      scope.window = {};
      scope.document = {};
      expectConfigError(
        () => createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey: SERVICE_ROLE_SECRET_KEY }),
        'supabase.serviceRoleKey',
        'cannot be used in a browser: a service-role client bypasses Row-Level Security and belongs on a server.',
      );
    });

    it('refuses a bridge that would hand out service-role clients', () => {
      scope.window = {};
      scope.document = {};
      expectConfigError(
        () =>
          createLogtoSupabase(
            bridgeOptions({
              supabase: supabase({ serviceRoleKey: SERVICE_ROLE_SECRET_KEY }),
              machines: { serviceRole: { clientIds: ['m2m9c4lgd0xqh7u1rvp3e'] } },
            }),
          ),
        'supabase.serviceRoleKey',
        'cannot be used in a browser: a service-role client bypasses Row-Level Security and belongs on a server.',
      );
    });

    it('a web worker (window without document) is not a browser page', () => {
      scope.window = {};
      expect(createServiceRoleClient({ url: SUPABASE_URL, serviceRoleKey: SERVICE_ROLE_SECRET_KEY })).toBeDefined();
    });
  });
});

describe('fromEnv reads the options from environment variables', () => {
  const env = {
    LOGTO_ENDPOINT: ENDPOINT,
    LOGTO_AUDIENCE: AUDIENCE,
    SUPABASE_URL,
    SUPABASE_ANON_KEY: PUBLISHABLE_KEY,
    SUPABASE_JWT_SECRET: JWT_SECRET,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_SECRET_KEY,
    LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS: 'm2m9c4lgd0xqh7u1rvp3e, m2mxxxxxxxxxxxxxxxxxx',
  };

  it('lists every missing variable in one error', () => {
    expectConfigError(
      () => fromEnv({}),
      'env',
      'missing environment variable(s): LOGTO_ENDPOINT, LOGTO_AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY), SUPABASE_JWT_SECRET (or SUPABASE_SIGNING_KEY).',
    );
  });

  it('treats empty and blank variables as missing', () => {
    expectConfigError(
      () => fromEnv({ ...env, LOGTO_AUDIENCE: ' ', SUPABASE_JWT_SECRET: '' }),
      'env',
      'missing environment variable(s): LOGTO_AUDIENCE, SUPABASE_JWT_SECRET (or SUPABASE_SIGNING_KEY).',
    );
  });

  describe('falls back to process.env for what the given object lacks', () => {
    afterEach(() => vi.unstubAllEnvs());

    it('reads the rest from process.env, and the given object wins where it has a value', () => {
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const options = fromEnv({ SUPABASE_URL: 'https://other.supabase.co', LOGTO_AUDIENCE: ' ' });
      expect(options.supabase.url).toBe('https://other.supabase.co');
      expect(options.logto).toEqual({ endpoint: ENDPOINT, audience: AUDIENCE });
      expect(options.supabase.anonKey).toBe(PUBLISHABLE_KEY);
    });

    it("works with @hono/node-server's c.env, which holds Node's request objects, not variables", () => {
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const nodeServerEnv = { incoming: { headers: {} }, outgoing: {} };
      expect(fromEnv(nodeServerEnv).logto.endpoint).toBe(ENDPOINT);
    });

    it('ignores bindings that are not strings (a KV namespace named like a variable)', () => {
      expectConfigError(
        () => fromEnv({ ...env, LOGTO_ENDPOINT: { get() {} } }),
        'env',
        'missing environment variable(s): LOGTO_ENDPOINT.',
      );
    });
  });

  it('builds bridge options, with the M2M allowlist split on commas', () => {
    const options = fromEnv(env);
    expect({ ...options, supabase: { ...options.supabase } }).toEqual({
      logto: { endpoint: ENDPOINT, audience: AUDIENCE },
      supabase: { url: SUPABASE_URL, anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET, serviceRoleKey: SERVICE_ROLE_SECRET_KEY },
      machines: { serviceRole: { clientIds: ['m2m9c4lgd0xqh7u1rvp3e', 'm2mxxxxxxxxxxxxxxxxxx'] } },
    });
    expect(() => createLogtoSupabase(options)).not.toThrow();
  });

  it('accepts the new key names (publishable, secret, signing key)', () => {
    const options = fromEnv({
      LOGTO_ENDPOINT: ENDPOINT,
      LOGTO_AUDIENCE: AUDIENCE,
      SUPABASE_URL,
      SUPABASE_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
      SUPABASE_SIGNING_KEY: JSON.stringify(es256Key.privateJwk),
      SUPABASE_SECRET_KEY: SERVICE_ROLE_SECRET_KEY,
    });
    expect({ ...options.supabase }).toEqual({
      url: SUPABASE_URL,
      anonKey: PUBLISHABLE_KEY,
      signingKey: JSON.stringify(es256Key.privateJwk),
      serviceRoleKey: SERVICE_ROLE_SECRET_KEY,
    });
  });

  it('redacts secrets from JSON.stringify and util.inspect, while a spread copy still carries them', () => {
    const options = fromEnv(env);
    const signing = fromEnv({ ...env, SUPABASE_JWT_SECRET: undefined, SUPABASE_SIGNING_KEY: JSON.stringify(es256Key.privateJwk) });
    for (const dump of [JSON.stringify(options), inspect(options, { depth: 10 }), JSON.stringify(signing), inspect(signing, { depth: 10 })]) {
      expectNoSecret(dump);
      expect(dump).toContain('[redacted]');
    }
    expect(JSON.parse(JSON.stringify(options)).supabase).toEqual({
      url: SUPABASE_URL,
      anonKey: PUBLISHABLE_KEY,
      jwtSecret: '[redacted]',
      serviceRoleKey: '[redacted]',
    });
    // Internal code spreads and reads the options: the secrets must still be there.
    const copy = { ...options.supabase };
    expect([copy.jwtSecret, copy.serviceRoleKey]).toEqual([JWT_SECRET, SERVICE_ROLE_SECRET_KEY]);
    expect(options.supabase.jwtSecret).toBe(JWT_SECRET);
  });

  it('gives options whose bridge mints with the secret it redacts', async () => {
    const options = fromEnv(env);
    const jwt = await signSupabaseJwt(USER_ID, options.supabase);
    expect(jwt.split('.')).toHaveLength(3);
  });
});

describe('secrets never appear in a bridge or an authentication error', () => {
  it('a bridge dumps without secrets', () => {
    const bridge = createLogtoSupabase(
      bridgeOptions({ supabase: supabase({ serviceRoleKey: SERVICE_ROLE_SECRET_KEY }), machines: { serviceRole: { clientIds: ['m2m9c4lgd0xqh7u1rvp3e'] } } }),
    );
    expectNoSecret(JSON.stringify(bridge));
    expectNoSecret(inspect(bridge, { depth: 10, showHidden: true }));
  });

  it('an authenticated result and its error dump without the raw access token', async () => {
    const jwks = jwksOf(logtoKey);
    const bridge = createLogtoSupabase(bridgeOptions({ logto: logto({ jwks }) }));
    const expired = await signToken(logtoKey, { claims: { exp: Math.floor(Date.now() / 1000) - 60 } });
    const error = await bridge.authenticate(`Bearer ${expired}`).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LogtoAuthError);
    for (const dump of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 }), JSON.stringify((error as LogtoAuthError).headers)]) {
      expect(dump).not.toContain(expired);
      expect(dump).not.toContain(expired.split('.')[2]);
      expectNoSecret(dump);
    }
  });
});
