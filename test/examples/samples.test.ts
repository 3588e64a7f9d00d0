import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApp as createExpressApp } from '../../examples/express-spa-backend/app.js';
import { createApp as createFastifyApp } from '../../examples/fastify/app.js';
import honoApp from '../../examples/hono/app.js';
import { createApp as createKoaApp } from '../../examples/koa/app.js';
import { api, apps, startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';
import { runM2mJob } from '../../examples/m2m-job/job.js';
import { localJobOptions } from '../../examples/m2m-job/local-job.js';
import { callApi } from '../../examples/shared/call-api.js';
import { listen, type Listening } from '../../examples/shared/listen.js';
import { stackEnv } from '../../examples/shared/stack-env.js';

const alice = users.alice.id;
const bob = users.bob.id;
const reporter = apps.reporter.clientId;

/** The seed rows of public.posts (examples/local-stack/src/database.ts). */
const seed = [
  { id: 1, user_id: alice, title: "Alice's first post", body: 'Hello from Alice' },
  { id: 2, user_id: alice, title: "Alice's second post", body: 'Alice again' },
  { id: 3, user_id: bob, title: "Bob's first post", body: 'Hello from Bob' },
  { id: 4, user_id: bob, title: "Bob's second post", body: 'Bob again' },
  { id: 5, user_id: reporter, title: 'Weekly report', body: 'Written by the reporter job' },
];
const postsOf = (userId: string) => seed.filter((post) => post.user_id === userId);

/** Each sample served on loopback the way its server script serves it. */
const samples: Record<string, (stack: LocalStack) => Promise<Listening>> = {
  express: (stack) => listen(createExpressApp(stack.options)),
  koa: (stack) => listen(createKoaApp(stack.options).callback()),
  fastify: async (stack) => listen((await createFastifyApp(stack.options)).server),
  // As examples/hono/node.ts: the options come from the bindings passed to app.fetch (c.env).
  hono: (stack) => listen(createAdaptorServer({ fetch: (request) => honoApp.fetch(request, stackEnv(stack)) }) as Server),
};

let stack: LocalStack;
let tokens: { alice: string; bob: string };

beforeAll(async () => {
  stack = await startLocalStack({ supabase: { databaseUrl: process.env.TEST_DATABASE_URL } });
  const [signedInAlice, signedInBob] = await Promise.all([stack.logto.signIn('alice'), stack.logto.signIn('bob')]);
  tokens = { alice: signedInAlice.accessToken, bob: signedInBob.accessToken };
});

afterAll(async () => {
  await stack?.stop();
});

const request = (server: Listening, method: string, path: string, token?: string, body?: unknown) =>
  callApi(server.url, method, path, { token, body });

describe.each(Object.keys(samples))('the %s sample', (name) => {
  let server: Listening;
  beforeAll(async () => {
    server = await samples[name]!(stack);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gives Alice exactly her 2 posts: RLS filters by the minted JWT’s sub', async () => {
    expect(await request(server, 'GET', '/api/posts', tokens.alice)).toMatchObject({ status: 200, body: postsOf(alice) });
  });

  it('gives Bob exactly his 2 posts', async () => {
    expect(await request(server, 'GET', '/api/posts', tokens.bob)).toMatchObject({ status: 200, body: postsOf(bob) });
  });

  it('answers GET /api/me with the verified user and the database’s view of the caller', async () => {
    const { status, body } = await request(server, 'GET', '/api/me', tokens.alice);
    expect(status).toBe(200);
    expect(body).toEqual({
      token: { subject: alice, userId: alice, clientId: apps.web.clientId, isMachine: false, scopes: ['read:posts', 'write:posts'] },
      database: { role: 'authenticated', user_id: alice, client_id: apps.web.clientId, organization_id: null, scopes: ['read:posts', 'write:posts'] },
    });
  });

  it('refuses Alice’s post in Bob’s name with 403 from RLS, in the auth errors’ shape, naming no table or policy', async () => {
    const write = await request(server, 'POST', '/api/posts', tokens.alice, { title: 'Not mine', user_id: bob });
    expect(write.status).toBe(403);
    expect(write.body).toEqual({ error: 'forbidden', error_description: 'You are not allowed to do this.' });
    expect((await request(server, 'GET', '/api/posts', tokens.bob)).body).toEqual(postsOf(bob));
  });

  it('lets Alice write her own post (201), which only she then sees', async () => {
    onTestFinished(() => stack.supabase.reset());
    const write = await request(server, 'POST', '/api/posts', tokens.alice, { title: 'Fresh', body: 'From a test' });
    expect(write).toMatchObject({ status: 201, body: { id: expect.any(Number), user_id: alice, title: 'Fresh', body: 'From a test' } });
    expect((await request(server, 'GET', '/api/posts', tokens.alice)).body).toEqual([...postsOf(alice), write.body]);
    expect((await request(server, 'GET', '/api/posts', tokens.bob)).body).toEqual(postsOf(bob));
  });

  it('answers a POST without a title with 400', async () => {
    const { status, body } = await request(server, 'POST', '/api/posts', tokens.alice, { body: 'no title' });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers a request without a token with 401 and a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const { status, headers, body } = await request(server, 'GET', '/api/posts');
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(body).toMatchObject({ error: 'missing_token' });
  });

  it('answers a token without write:posts with 403 insufficient_scope', async () => {
    const readOnly = await stack.logto.clientCredentialsToken('reporter', { scope: 'read:posts' });
    const { status, headers, body } = await request(server, 'POST', '/api/posts', readOnly, { title: 'Report' });
    expect(status).toBe(403);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="insufficient_scope", .*scope="write:posts"$/);
    expect(body).toMatchObject({ error: 'insufficient_scope' });
  });
});

describe('the m2m job', () => {
  let backend: Listening;
  const run = (app: 'adminJob' | 'reporter') => runM2mJob(localJobOptions(stack, app, backend.url));

  beforeAll(async () => {
    backend = await listen(createExpressApp(stack.options));
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('reads all 5 posts as the allowlisted admin job, through the service role', async () => {
    const result = await run('adminJob');
    expect(result.token).toMatchObject({ sub: apps.adminJob.clientId, client_id: apps.adminJob.clientId, aud: api.resource });
    expect(result.me.token).toMatchObject({ subject: apps.adminJob.clientId, userId: null, isMachine: true });
    expect(result.me.database).toMatchObject({ role: 'service_role', user_id: null, client_id: null });
    expect(result.posts).toEqual(seed);
  });

  it('reads only its own post as the reporter app, which is not allowlisted: RLS applies', async () => {
    const result = await run('reporter');
    expect(result.me.database).toMatchObject({ role: 'authenticated', user_id: null, client_id: reporter });
    expect(result.posts).toEqual(postsOf(reporter));
  });

  it('npm run example:m2m says why each app got its role: on the allowlist or not', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const env = { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL ?? '', LOGTO_ENDPOINT: '' };
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'examples/m2m-job/run.ts'], { cwd: root, env, timeout: 60_000 });
    expect(stdout).toContain(
      `${apps.adminJob.clientId}: database role service_role, 5 post(s)\n  why: on the backend's service-role allowlist (LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS): service role, RLS bypassed`,
    );
    expect(stdout).toContain(
      `${reporter}: database role authenticated, 1 post(s)\n  why: not on the backend's service-role allowlist: a client whose subject is its own id, so RLS shows only rows with user_id = ${reporter}`,
    );
  }, 60_000);

  it('fails with Logto’s error when the client secret is wrong', async () => {
    await expect(
      runM2mJob({ ...localJobOptions(stack, 'reporter', backend.url), clientSecret: 'wrong' }),
    ).rejects.toThrow(`Logto refused the client credentials of ${reporter}: HTTP 401 invalid_client`);
  });
});
