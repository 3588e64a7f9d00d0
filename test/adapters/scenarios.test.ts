/**
 * One scenario table, run against every adapter (Express, Koa, Hono, Next, Fastify 5 and 4) on the local stack:
 * real Logto-format tokens from the Logto stand-in, real RLS in Postgres behind the Supabase
 * stand-in. The adapters cannot drift apart: they all answer the same table.
 */
import type * as SupabaseJs from '@supabase/supabase-js';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { LogtoSupabaseConfigError, type LogtoSupabaseOptions } from 'logto-supabase';
import { supabaseTokenHandler as honoTokenHandler } from 'logto-supabase/hono';
import { supabaseTokenRoute } from 'logto-supabase/next';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { closedPort } from '../helpers/assertions.js';
import {
  apps,
  organization,
  startLocalLogto,
  startLocalStack,
  users,
  type LocalLogto,
  type LocalStack,
} from '../../examples/local-stack/src/index.js';
import { drivers, tokenHandlerFactories, tokenPath, type DriverRequest, type RunningApp } from './drivers.js';

/** supabase-js clients made so far: the proof that a handler which never queries Supabase makes none. */
const clients = vi.hoisted(() => ({ made: 0 }));
vi.mock('@supabase/supabase-js', async (importOriginal) => {
  const supabaseJs = await importOriginal<typeof SupabaseJs>();
  return {
    ...supabaseJs,
    createClient: ((...args: Parameters<typeof supabaseJs.createClient>) => {
      clients.made += 1;
      return supabaseJs.createClient(...args);
    }) as typeof supabaseJs.createClient,
  };
});

const databases = [
  { name: 'PGlite', databaseUrl: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', databaseUrl: process.env.TEST_DATABASE_URL }] : []),
];

const alice = users.alice.id;
const bob = users.bob.id;

interface Tokens {
  alice: string;
  bob: string;
  adminJob: string;
  reporter: string;
  /** Alice's token re-signed with a key of our own under the issuer's `kid`. */
  forged: string;
  /** A genuine token of the same issuer for another audience: Alice's organization token. */
  otherAudience: string;
  /** A genuine token of a Logto whose access tokens live one second, now expired. */
  expired: string;
}

/**
 * Which app a scenario talks to: the stack's, two trusting the short-lived Logto (without clock
 * tolerance, and with the default 5 s), one whose Logto is down.
 */
type AppName = 'main' | 'expiring' | 'tolerant' | 'outage';

interface Scenario {
  name: string;
  app?: AppName;
  method: 'GET' | 'POST';
  path: string;
  request?: (tokens: Tokens) => DriverRequest;
  /** When the request is made (seconds since the epoch; `Date` is faked for it), if not now. */
  at?: (tokens: Tokens) => number;
  status: number;
  body: unknown;
  /** Exact values; a header not listed here must be absent. */
  headers?: Partial<Record<(typeof checkedHeaders)[number], string>>;
  /** Further checks on the answer (e.g. what a minted JWT is worth against Supabase). */
  check?: (body: unknown, context: { stack: LocalStack; tokens: Tokens }) => Promise<void>;
  /** supabase-js clients the request makes. */
  clientsMade?: number;
  /** The scenario may write: restore the seed rows afterwards. */
  writes?: boolean;
}

const checkedHeaders = ['www-authenticate', 'retry-after', 'cache-control', 'pragma', 'allow'] as const;

const challenge = (code: string, description: string, extra = '') =>
  `Bearer realm="api", error="${code}", error_description="${description}"${extra}`;

const missingToken = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer realm="api"' },
  body: { error: 'missing_token', error_description: 'Authorization header with a Bearer token is required.' },
};

const invalidToken = (description: string) => ({
  status: 401,
  headers: { 'www-authenticate': challenge('invalid_token', description) },
  body: { error: 'invalid_token', error_description: description },
});

const insufficientScope = {
  status: 403,
  headers: {
    'www-authenticate': challenge('insufficient_scope', 'The token lacks the required scope(s): admin:posts.', ', scope="admin:posts"'),
  },
  body: { error: 'insufficient_scope', error_description: 'The token lacks the required scope(s): admin:posts.' },
};

const alicePosts = [
  { id: 1, user_id: alice, title: "Alice's first post" },
  { id: 2, user_id: alice, title: "Alice's second post" },
];
const bobPosts = [
  { id: 3, user_id: bob, title: "Bob's first post" },
  { id: 4, user_id: bob, title: "Bob's second post" },
];
const reporterPosts = [{ id: 5, user_id: apps.reporter.clientId, title: 'Weekly report' }];

const scenarios: Scenario[] = [
  {
    name: 'alice reads only her own rows',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.alice }),
    status: 200,
    body: alicePosts,
    clientsMade: 1,
  },
  {
    name: "alice again: her token's client is reused, none is made",
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.alice }),
    status: 200,
    body: alicePosts,
    clientsMade: 0,
  },
  {
    name: 'bob reads only his own rows',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.bob }),
    status: 200,
    body: bobPosts,
  },
  {
    name: "alice cannot write a row as bob: RLS refuses it with 403 and SQLSTATE 42501",
    method: 'POST',
    path: '/api/posts',
    request: (t) => ({ token: t.alice, body: { title: 'Written as Bob', user_id: bob } }),
    status: 403,
    body: { code: '42501', message: 'new row violates row-level security policy for table "posts"' },
    writes: true,
  },
  {
    name: 'alice writes her own row: 201 with the row, owned by her through the column default',
    method: 'POST',
    path: '/api/posts',
    request: (t) => ({ token: t.alice, body: { title: 'Alice writes' } }),
    status: 201,
    body: [{ id: 6, user_id: alice, title: 'Alice writes' }],
    writes: true,
  },
  {
    name: 'no Authorization header: 401 missing_token with a bare challenge (RFC 6750 §3.1)',
    method: 'GET',
    path: '/api/posts',
    ...missingToken,
  },
  {
    name: 'another scheme (Basic) is no bearer token: 401 missing_token',
    method: 'GET',
    path: '/api/posts',
    request: () => ({ headers: { authorization: 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=' } }),
    ...missingToken,
  },
  {
    name: 'two tokens after Bearer: 400 invalid_request',
    method: 'GET',
    path: '/api/posts',
    request: () => ({ headers: { authorization: 'Bearer a b' } }),
    status: 400,
    headers: { 'www-authenticate': challenge('invalid_request', 'The Authorization header holds more than one token.') },
    body: { error: 'invalid_request', error_description: 'The Authorization header holds more than one token.' },
  },
  ...(
    [
      ['good then forged', (t: Tokens) => [`Bearer ${t.alice}`, `Bearer ${t.forged}`]],
      ['forged then good', (t: Tokens) => [`Bearer ${t.forged}`, `Bearer ${t.alice}`]],
      ['the same token twice', (t: Tokens) => [`Bearer ${t.alice}`, `Bearer ${t.alice}`]],
    ] as const
  ).map(
    ([order, authorizations]): Scenario => ({
      name: `two Authorization headers over HTTP (${order}): 400 invalid_request, whichever comes first`,
      method: 'GET',
      path: '/api/posts',
      request: (t) => ({ authorizations: authorizations(t) }),
      status: 400,
      headers: { 'www-authenticate': challenge('invalid_request', 'More than one Authorization header was sent.') },
      body: { error: 'invalid_request', error_description: 'More than one Authorization header was sent.' },
      clientsMade: 0,
    }),
  ),
  {
    name: 'an expired token: 401 invalid_token',
    app: 'expiring',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.expired }),
    ...invalidToken('The access token expired.'),
  },
  {
    name: 'a token expired 2 s ago, inside the clock tolerance: 401 invalid_token before the handler, never a database error',
    app: 'tolerant',
    at: (t) => decodeJwt(t.expired).exp! + 2,
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.expired }),
    ...invalidToken('The access token expired.'),
    clientsMade: 0,
  },
  {
    name: "a forged token (another key under the issuer's kid): 401 invalid_token",
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.forged }),
    ...invalidToken('The token signature is not valid.'),
  },
  {
    name: 'a genuine token for another audience (an organization token): 401 invalid_token',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.otherAudience }),
    ...invalidToken('The token is for another audience (API resource).'),
  },
  {
    name: 'requireScopes without the scope: 403 insufficient_scope naming it',
    method: 'POST',
    path: '/api/admin',
    request: (t) => ({ token: t.alice }),
    ...insufficientScope,
  },
  {
    name: 'requireScopes with the scope: the handler runs',
    method: 'POST',
    path: '/api/admin',
    request: (t) => ({ token: t.adminJob }),
    status: 200,
    body: { subject: apps.adminJob.clientId },
  },
  {
    name: 'an allowlisted machine-to-machine app reads every row through the service role',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.adminJob }),
    status: 200,
    body: [...alicePosts, ...bobPosts, ...reporterPosts],
  },
  {
    name: 'another machine-to-machine app reads only its own rows (RLS as its client id)',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.reporter }),
    status: 200,
    body: reporterPosts,
  },
  {
    name: 'optional mode without a token: the handler runs with auth null and the anon role, which may not read posts',
    method: 'GET',
    path: '/api/public',
    status: 200,
    body: {
      subject: null,
      database: { role: 'anon', user_id: null, client_id: null, organization_id: null, scopes: [] },
      // anon has no grant on posts: PostgREST answers 42501 as 401 for anon.
      posts: { status: 401, code: '42501' },
    },
  },
  {
    name: 'optional mode with a token: the user client',
    method: 'GET',
    path: '/api/public',
    request: (t) => ({ token: t.alice }),
    status: 200,
    body: {
      subject: alice,
      database: {
        role: 'authenticated',
        user_id: alice,
        client_id: apps.web.clientId,
        organization_id: null,
        scopes: ['read:posts', 'write:posts'],
      },
      posts: [{ id: 1 }, { id: 2 }],
    },
  },
  {
    name: 'optional mode with a bad token: still 401 invalid_token',
    method: 'GET',
    path: '/api/public',
    request: (t) => ({ token: t.forged }),
    ...invalidToken('The token signature is not valid.'),
  },
  {
    name: 'Logto down before any key was loaded: 503 jwks_unavailable with Retry-After, never 401',
    app: 'outage',
    method: 'GET',
    path: '/api/posts',
    request: (t) => ({ token: t.alice }),
    status: 503,
    headers: { 'retry-after': '1' },
    body: { error: 'jwks_unavailable', error_description: 'The signing keys of the Logto issuer could not be loaded.' },
  },
  {
    name: 'assertScopes thrown by a handler is answered like a failed verification: 403 insufficient_scope',
    method: 'GET',
    path: '/api/assert',
    request: (t) => ({ token: t.alice }),
    ...insufficientScope,
  },
  {
    name: 'assertScopes in a handler passes with the scope',
    method: 'GET',
    path: '/api/assert',
    request: (t) => ({ token: t.adminJob }),
    status: 200,
    body: { subject: apps.adminJob.clientId },
  },
  {
    name: 'a handler that never touches supabase makes no Supabase client',
    method: 'GET',
    path: '/api/lazy',
    request: (t) => ({ token: t.alice }),
    status: 200,
    body: { subject: alice },
    clientsMade: 0,
  },
];


/** Headers of every successful token exchange (RFC 6749 §5.1: never cached). */
const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** The exchange's JSON: RFC 8693 §2.2 fields plus `expires_at`. */
const exchangeBody = {
  access_token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
  issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  token_type: 'Bearer',
  expires_in: expect.any(Number),
  expires_at: expect.any(Number),
};

interface Exchanged {
  access_token: string;
  expires_in: number;
  expires_at: number;
}

/** Reads the posts table straight from the Supabase stand-in with the exchanged JWT, as a browser would. */
async function postsWith(stack: LocalStack, jwt: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.supabase.url}/rest/v1/posts?select=id,user_id,title&order=id`, {
    headers: { apikey: stack.supabase.anonKey, authorization: `Bearer ${jwt}` },
  });
  return { status: response.status, body: await response.json() };
}

/** The exchanged JWT: a user JWT for `subject` that lives no longer than the Logto token, and what it reads. */
async function checkExchanged(body: unknown, stack: LocalStack, logtoToken: string, subject: string, rows: unknown[]): Promise<void> {
  const { access_token: jwt, expires_in: expiresIn, expires_at: expiresAt } = body as Exchanged;
  const claims = decodeJwt(jwt);
  expect(claims).toMatchObject({ sub: subject, role: 'authenticated', aud: 'authenticated', exp: expiresAt });
  expect(expiresAt).toBeLessThanOrEqual(decodeJwt(logtoToken).exp!);
  expect(Math.abs(expiresAt - Math.floor(Date.now() / 1000) - expiresIn)).toBeLessThanOrEqual(1);
  expect(JSON.stringify(body)).not.toContain(stack.supabase.serviceRoleKey);
  expect(await postsWith(stack, jwt)).toEqual({ status: 200, body: rows });
}

const exchangeScenarios: Scenario[] = [
  {
    name: "token exchange: alice's Logto token gives her Supabase JWT (RFC 8693 fields, no-store), which reads only her rows",
    method: 'POST',
    path: tokenPath,
    request: (t) => ({ token: t.alice }),
    status: 200,
    headers: noStore,
    body: exchangeBody,
    check: (body, { stack, tokens }) => checkExchanged(body, stack, tokens.alice, alice, alicePosts),
  },
  {
    name: 'token exchange: an allowlisted service-role machine gets an authenticated JWT for its client id, never the service role',
    method: 'POST',
    path: tokenPath,
    request: (t) => ({ token: t.adminJob }),
    status: 200,
    headers: noStore,
    body: exchangeBody,
    // The admin job owns no rows: through RLS it reads none, where the service role would read all 5.
    check: (body, { stack, tokens }) => checkExchanged(body, stack, tokens.adminJob, apps.adminJob.clientId, []),
  },
  { name: 'token exchange without a token: 401 missing_token', method: 'POST', path: tokenPath, ...missingToken },
  {
    name: 'token exchange without a token, optional mode: still 401 missing_token (anonymous needs no exchange)',
    method: 'POST',
    path: `${tokenPath}/optional`,
    ...missingToken,
  },
  {
    name: 'token exchange with a forged token: 401 invalid_token',
    method: 'POST',
    path: tokenPath,
    request: (t) => ({ token: t.forged }),
    ...invalidToken('The token signature is not valid.'),
  },
  {
    name: 'token exchange with an expired token: 401 invalid_token',
    app: 'expiring',
    method: 'POST',
    path: tokenPath,
    request: (t) => ({ token: t.expired }),
    ...invalidToken('The access token expired.'),
  },
  {
    name: 'token exchange by GET: 405 with Allow: POST',
    method: 'GET',
    path: tokenPath,
    request: (t) => ({ token: t.alice }),
    status: 405,
    headers: { allow: 'POST' },
    body: { error: 'invalid_request', error_description: 'The token endpoint answers POST only.' },
  },
];

async function forge(token: string): Promise<string> {
  const { kid, typ } = decodeProtectedHeader(token);
  const { privateKey } = await generateKeyPair('ES384');
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES384', typ, kid }).sign(privateKey);
}

describe.each(databases.map((database) => [database.name, database.databaseUrl] as const))('adapters on %s', (_name, databaseUrl) => {
  let stack: LocalStack;
  let shortLivedLogto: LocalLogto;
  let tokens: Tokens;
  let downPort: number;

  beforeAll(async () => {
    [stack, shortLivedLogto, downPort] = await Promise.all([
      startLocalStack({ supabase: { databaseUrl } }),
      startLocalLogto({ accessTokenTtl: 1 }),
      closedPort(),
    ]);
    const [expired, signedIn, bobSignedIn, adminJob, reporter, orgToken] = await Promise.all([
      shortLivedLogto.signIn('alice'),
      stack.logto.signIn('alice'),
      stack.logto.signIn('bob'),
      stack.logto.clientCredentialsToken('adminJob'),
      stack.logto.clientCredentialsToken('reporter'),
      stack.logto.signIn('alice', { organizationId: organization.id }),
    ]);
    tokens = {
      alice: signedIn.accessToken,
      bob: bobSignedIn.accessToken,
      adminJob,
      reporter,
      forged: await forge(signedIn.accessToken),
      otherAudience: orgToken.accessToken,
      expired: expired.accessToken,
    };
    // The expiring app tolerates no clock skew: the token is expired from its `exp` second on.
    const { exp } = decodeJwt(tokens.expired);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp! * 1000 - Date.now())));
  });

  afterAll(async () => {
    await Promise.all([stack?.stop(), shortLivedLogto?.stop()]);
  });

  describe.each(drivers.map((driver) => [driver.name, driver] as const))('%s', (_name, driver) => {
    const running = new Map<AppName, RunningApp>();

    beforeAll(async () => {
      // Equal options share one bridge (and its clients) process-wide; a header per driver keeps them apart.
      const main = {
        ...stack.options,
        supabase: { ...stack.options.supabase, clientOptions: { global: { headers: { 'x-driver': driver.name } } } },
      };
      const variants: Record<AppName, LogtoSupabaseOptions> = {
        main,
        expiring: { ...main, logto: { ...main.logto, endpoint: shortLivedLogto.endpoint, clockTolerance: 0 } },
        tolerant: { ...main, logto: { ...main.logto, endpoint: shortLivedLogto.endpoint } },
        // A key set of its own per driver (the path differs), so every driver meets Logto cold.
        outage: { ...main, logto: { ...main.logto, endpoint: `http://127.0.0.1:${downPort}/${driver.name}` } },
      };
      for (const [name, options] of Object.entries(variants)) running.set(name as AppName, await driver.start(options));
    });

    afterAll(async () => {
      await Promise.all([...running.values()].map((app) => app.close()));
    });

    it.each([...scenarios, ...exchangeScenarios].map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      if (scenario.writes) onTestFinished(() => stack.supabase.reset());
      const app = running.get(scenario.app ?? 'main')!;
      if (scenario.at) {
        vi.useFakeTimers({ toFake: ['Date'], now: scenario.at(tokens) * 1000 });
        onTestFinished(() => void vi.useRealTimers());
      }
      const before = clients.made;
      const response = await app.request(scenario.method, scenario.path, scenario.request?.(tokens));

      expect({
        status: response.status,
        type: response.headers.get('content-type')?.split(';')[0],
        'www-authenticate': response.headers.get('www-authenticate'),
        'retry-after': response.headers.get('retry-after'),
        body: response.body,
      }).toEqual({
        status: scenario.status,
        type: 'application/json',
        'www-authenticate': scenario.headers?.['www-authenticate'] ?? null,
        'retry-after': scenario.headers?.['retry-after'] ?? null,
        body: scenario.body,
      });
      if (scenario.clientsMade !== undefined) expect(clients.made - before).toBe(scenario.clientsMade);
    });
  });
});

describe('token exchange in third-party mode is a configuration error, saying why', () => {
  const thirdParty: LogtoSupabaseOptions = {
    logto: { endpoint: 'http://127.0.0.1:9', audience: 'https://api.example.com' },
    supabase: { url: 'http://127.0.0.1:9', anonKey: 'sb_publishable_third_party_test', mode: 'third-party' },
  };
  const message =
    'supabase.mode: is "third-party": there is nothing to exchange, the browser sends the Logto token to Supabase itself. Use createBrowserSupabaseClient({ mode: "third-party" }) and no token endpoint, or switch to mode "mint".';

  it.each(Object.entries(tokenHandlerFactories))('%s: when the handler is made', (_name, make) => {
    expect(() => make(thirdParty)).toThrow(new LogtoSupabaseConfigError('supabase.mode', message.replace('supabase.mode: ', '')));
  });

  it('hono with (c) => options: on the first request, as a 500 that names the option', async () => {
    const app = new Hono().post('/token', honoTokenHandler(() => thirdParty));
    const errors: unknown[] = [];
    app.onError((error, c) => {
      errors.push(error);
      return c.text('error', 500);
    });
    expect((await app.request('/token', { method: 'POST' })).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ option: 'supabase.mode', message })]);
  });

  it('next with () => options: on the first request', async () => {
    const route = supabaseTokenRoute(() => thirdParty);
    await expect(route(new Request('http://localhost/token', { method: 'POST' }))).rejects.toThrow(message);
  });
});
