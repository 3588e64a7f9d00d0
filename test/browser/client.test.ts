/**
 * `createBrowserSupabaseClient` against the local stack: the Express sample's token endpoint
 * (`supabaseTokenHandler`) on loopback, the Supabase stand-in with real RLS, Logto-format tokens.
 * Only the browser is missing: the client runs in Node with the same fetch a browser has.
 */
import { createServer } from 'node:http';
import type { SupabaseClientOptions } from '@supabase/supabase-js';
import express from 'express';
import { decodeJwt } from 'jose';
import { LogtoSupabaseConfigError } from 'logto-supabase';
import { createBrowserSupabaseClient, SupabaseTokenExchangeError, type BrowserSupabaseOptions } from 'logto-supabase/browser';
import { supabaseTokenHandler } from 'logto-supabase/express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';
import { listen, type Listening } from '../../examples/shared/listen.js';
import { closedPort } from '../helpers/assertions.js';

const alicePosts = [
  { id: 1, user_id: users.alice.id, title: "Alice's first post" },
  { id: 2, user_id: users.alice.id, title: "Alice's second post" },
];
const bobPosts = [
  { id: 3, user_id: users.bob.id, title: "Bob's first post" },
  { id: 4, user_id: users.bob.id, title: "Bob's second post" },
];

let stack: LocalStack;
let backend: Listening;
let failing: Listening;
let tokenEndpoint: string;
let aliceToken: string;
let bobToken: string;
/** The Authorization header of every request the token endpoint received. */
let exchanges: string[] = [];
/** What supabase-js sent to the Supabase stand-in. */
let supabaseRequests: { path: string; apikey: string | null; authorization: string | null }[] = [];

const recordingFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  const url = new URL(input instanceof Request ? input.url : String(input));
  supabaseRequests.push({ path: url.pathname, apikey: headers.get('apikey'), authorization: headers.get('authorization') });
  return fetch(input, init);
};

/** Node 20 has no global WebSocket; a browser has one. */
const clientOptions: SupabaseClientOptions<any> = {
  global: { fetch: recordingFetch },
  realtime: { transport: WebSocket as unknown as NonNullable<SupabaseClientOptions<any>['realtime']>['transport'] },
};

function browserClient(getAccessToken: BrowserSupabaseOptions['getAccessToken'], options: Partial<BrowserSupabaseOptions> = {}) {
  return createBrowserSupabaseClient({
    url: stack.supabase.url,
    anonKey: stack.supabase.anonKey,
    getAccessToken,
    tokenEndpoint,
    clientOptions,
    ...options,
  });
}

const readPosts = (client: ReturnType<typeof browserClient>) => client.from('posts').select('id, user_id, title').order('id');

beforeAll(async () => {
  // Logto tokens carry role "authenticated" too, so the same stack serves third-party mode.
  stack = await startLocalStack({ thirdParty: true, logto: { customAccessTokenClaims: { role: 'authenticated' } } });
  const app = express();
  app.use('/token', (req, _res, next) => {
    exchanges.push(req.headers.authorization ?? '');
    next();
  });
  app.post('/token', supabaseTokenHandler(stack.options));
  backend = await listen(app);
  failing = await listen(
    createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
    }),
  );
  tokenEndpoint = `${backend.url}/token`;
  [aliceToken, bobToken] = await Promise.all([stack.logto.signIn('alice'), stack.logto.signIn('bob')]).then((results) =>
    results.map((result) => result.accessToken),
  );
});

afterAll(async () => {
  await Promise.all([backend?.close(), failing?.close(), stack?.stop()]);
});

beforeEach(() => {
  exchanges = [];
  supabaseRequests = [];
});

describe('mint mode: the Logto token is exchanged at the token endpoint', () => {
  it('N concurrent queries share one exchange, and later queries reuse its JWT', async () => {
    const client = browserClient(async () => aliceToken);
    const results = await Promise.all(Array.from({ length: 8 }, () => readPosts(client)));
    for (const { data, error } of results) expect({ data, error }).toEqual({ data: alicePosts, error: null });
    expect((await readPosts(client)).data).toEqual(alicePosts);

    expect(exchanges).toEqual([`Bearer ${aliceToken}`]);
    const bearers = new Set(supabaseRequests.map((request) => request.authorization));
    expect(bearers.size).toBe(1);
    const [bearer] = bearers;
    expect(decodeJwt(bearer!.replace('Bearer ', ''))).toMatchObject({ sub: users.alice.id, role: 'authenticated' });
    expect(supabaseRequests.every((request) => request.apikey === stack.supabase.anonKey)).toBe(true);
  });

  it('a new Logto token (another user, or a refresh) triggers a new exchange', async () => {
    let token = aliceToken;
    const client = browserClient(async () => token);
    expect((await readPosts(client)).data).toEqual(alicePosts);
    token = bobToken;
    expect((await readPosts(client)).data).toEqual(bobPosts);
    expect(exchanges).toEqual([`Bearer ${aliceToken}`, `Bearer ${bobToken}`]);
  });

  describe('renewal', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('keeps the JWT until 60 s before it expires, then exchanges again', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      const client = browserClient(async () => aliceToken);
      await readPosts(client);
      const { exp } = decodeJwt(supabaseRequests[0]!.authorization!.replace('Bearer ', ''));

      vi.setSystemTime((exp! - 61) * 1000);
      await readPosts(client);
      expect(exchanges).toHaveLength(1);

      vi.setSystemTime((exp! - 59) * 1000);
      expect((await readPosts(client)).data).toEqual(alicePosts);
      expect(exchanges).toHaveLength(2);
    });
  });

  describe('a failed exchange fails the call, naming the endpoint and status, and never goes out as anon', () => {
    const cases = [
      {
        name: '401 from the endpoint (an opaque Logto token, asked for without a resource)',
        token: 'opaque-logto-access-token-without-resource',
        endpoint: () => tokenEndpoint,
        status: 401,
        error: 'invalid_token',
        message: () =>
          `Token exchange at ${tokenEndpoint} failed: HTTP 401 invalid_token: The access token is not a JWT. Request it for an API resource (a "resource" indicator): without one, Logto issues an opaque token that only /oidc/me accepts.`,
      },
      {
        name: '500 from the endpoint',
        token: 'any',
        endpoint: () => `${failing.url}/token`,
        status: 500,
        error: undefined,
        message: () => `Token exchange at ${failing.url}/token failed: HTTP 500`,
      },
      {
        name: 'no answer (network failure)',
        token: 'any',
        endpoint: () => `http://127.0.0.1:${downPort}/token`,
        status: null,
        error: undefined,
        message: () => `Token exchange at http://127.0.0.1:${downPort}/token failed: no response (TypeError: fetch failed)`,
      },
    ];
    let downPort: number;
    beforeAll(async () => {
      downPort = await closedPort();
    });

    // supabase-js retries a failed GET three times (1 + 2 + 4 s); once is enough to see the failure.
    const readOnce = (client: ReturnType<typeof browserClient>) => readPosts(client).retry(false);

    it.each(cases)('$name', async ({ token, endpoint, status, error, message }) => {
      const client = browserClient(async () => token, { tokenEndpoint: endpoint() });
      const result = await readOnce(client);
      expect({ data: result.data, status: result.status, message: result.error?.message }).toEqual({
        data: null,
        status: 0,
        message: `SupabaseTokenExchangeError: ${message()}`,
      });
      const thrown = await readOnce(client).throwOnError().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(thrown).toBeInstanceOf(SupabaseTokenExchangeError);
      expect(thrown).toMatchObject({ endpoint: endpoint(), status, error, code: 'token_exchange_failed', message: message() });
      expect(supabaseRequests).toEqual([]);
    });

    it('a failure is not kept: the next call exchanges again', async () => {
      let token = 'opaque-logto-access-token-without-resource';
      const client = browserClient(async () => token);
      expect((await readOnce(client)).error?.message).toMatch(/HTTP 401 invalid_token/);
      token = aliceToken;
      expect((await readPosts(client)).data).toEqual(alicePosts);
    });
  });
});

describe('no Logto token: requests go out with the anon key only', () => {
  it.each([null, undefined, ''])('getAccessToken() → %j', async (none) => {
    const client = browserClient(async () => none);
    const result = await readPosts(client);
    // anon has no grant on posts: PostgREST answers 42501 as 401 for anon.
    expect({ status: result.status, code: result.error?.code }).toEqual({ status: 401, code: '42501' });
    expect(exchanges).toEqual([]);
    expect(supabaseRequests).toEqual([
      { path: '/rest/v1/posts', apikey: stack.supabase.anonKey, authorization: `Bearer ${stack.supabase.anonKey}` },
    ]);
  });
});

describe('third-party mode', () => {
  it('forwards the Logto token untouched, with no exchange', async () => {
    const client = browserClient(async () => aliceToken, { mode: 'third-party', tokenEndpoint: undefined });
    expect((await readPosts(client)).data).toEqual(alicePosts);
    expect(exchanges).toEqual([]);
    expect(supabaseRequests).toEqual([{ path: '/rest/v1/posts', apikey: stack.supabase.anonKey, authorization: `Bearer ${aliceToken}` }]);
  });
});

describe('options are checked when the client is made', () => {
  const base = () => ({ url: stack.supabase.url, anonKey: stack.supabase.anonKey, getAccessToken: async () => null, clientOptions });
  it.each([
    ['tokenEndpoint', { tokenEndpoint: undefined }, 'is required in mint mode'],
    ['url', { tokenEndpoint: '/token', url: 'localhost' }, 'is required: your Supabase project URL.'],
    ['anonKey', { tokenEndpoint: '/token', anonKey: '' }, 'is required'],
    ['getAccessToken', { tokenEndpoint: '/token', getAccessToken: 'token' }, 'is required: a function'],
    ['mode', { tokenEndpoint: '/token', mode: 'exchange' }, 'must be "mint" or "third-party".'],
  ])('%s', (option, override, message) => {
    const make = () => createBrowserSupabaseClient({ ...base(), ...(override as object) } as BrowserSupabaseOptions);
    expect(make).toThrow(LogtoSupabaseConfigError);
    expect(make).toThrow(expect.objectContaining({ option, message: expect.stringContaining(message) }));
  });
});
