/**
 * `npm run demo` (`--json` for one machine-readable object): the flow of Logto's Supabase guide,
 * end to end, on the local stack. Alice and Bob sign in through the real authorization-code flow,
 * call the Express sample with their access tokens, and Row-Level Security decides what each gets
 * back; then the machine-to-machine job runs and a forged token is refused. Every step checks what
 * it expects; the exit code is 0 only when all of them held.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { LogtoSupabaseOptions, SupabaseTokenResponse } from 'logto-supabase';
import { createBrowserSupabaseClient } from 'logto-supabase/browser';
import WebSocket from 'ws';
import { createApp } from './express-spa-backend/app.js';
import { createApp as createFastifyApp } from './fastify/app.js';
import { api, apps, users } from './local-stack/src/fixtures.js';
import type { LocalStack } from './local-stack/src/index.js';
import { runM2mJob } from './m2m-job/job.js';
import { localJobOptions } from './m2m-job/local-job.js';
import { callApi } from './shared/call-api.js';
import { listen, type Listening } from './shared/listen.js';
import { loadLocalStack } from './shared/load-local-stack.js';
import type { Caller, Post } from './shared/posts.js';
import { table } from './shared/table.js';

const asJson = process.argv.includes('--json');
const color = !asJson && process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const [bold, dim, green, red] = [paint(1), paint(2), paint(32), paint(31)];

interface Check {
  name: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
}

/** One step of the guide's sequence diagram: what each party saw (facts) and what had to hold (checks). */
class Step {
  readonly facts: Record<string, unknown> = {};
  readonly checks: Check[] = [];
  private readonly lines: string[][] = [];
  private readonly blocks: string[] = [];

  constructor(
    readonly id: string,
    readonly title: string,
  ) {}

  /** Records a fact under `key` and shows it as `label  text`. */
  show(label: string, key: string, value: unknown, text: string): this {
    this.facts[key] = value;
    this.lines.push([label, text]);
    return this;
  }

  /** Continues the previous line (no new fact). */
  more(text: string): this {
    this.lines.push(['', text]);
    return this;
  }

  /** Records rows of posts and shows them as a small table. */
  rows(key: string, posts: Post[]): this {
    this.facts[key] = posts;
    const rows = posts.map((post) => [`#${post.id}`, post.user_id, post.title]);
    this.lines.push([key, posts.length === 0 ? '(none)' : `${posts.length} row(s)`]);
    if (posts.length > 0) this.blocks[this.lines.length - 1] = table(rows, '      ');
    return this;
  }

  expect(name: string, actual: unknown, expected: unknown): this {
    const ok = isDeepStrictEqual(actual, expected);
    this.checks.push(ok ? { name, ok } : { name, ok, expected, actual });
    return this;
  }

  get ok(): boolean {
    return this.checks.length > 0 && this.checks.every((check) => check.ok);
  }

  render(number: number): string {
    const width = Math.max(...this.lines.map(([label]) => label!.length));
    const lines = this.lines.flatMap(([label, text], index) => {
      const line = `    ${dim(label!.padEnd(width))}  ${text}`;
      const block = this.blocks[index];
      return block ? [line, block] : [line];
    });
    const checks = this.checks.map(({ name, ok, expected, actual }) =>
      ok ? `    ${green('✓')} ${name}` : `    ${red('✗')} ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    );
    return [`${bold(`${number}. ${this.title}`)}`, ...lines, ...checks, ''].join('\n');
  }

  toJSON() {
    return { id: this.id, title: this.title, ok: this.ok, facts: this.facts, checks: this.checks };
  }
}

/** What the backend sent to Supabase, seen through supabase-js' `global.fetch` option. */
interface SupabaseCall {
  method: string;
  path: string;
  status: number;
  /** The claims of the bearer the backend sent (a minted JWT, or the service-role key). */
  claims: JWTPayload | undefined;
  alg: string | undefined;
}

function watchSupabase() {
  let calls: SupabaseCall[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const bearer = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
    const response = await fetch(input, init);
    calls.push({
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      path: decodeURIComponent(url.pathname + url.search),
      status: response.status,
      claims: bearer ? decodeJwt(bearer) : undefined,
      alg: bearer ? decodeProtectedHeader(bearer).alg : undefined,
    });
    return response;
  };
  return {
    fetch: recordingFetch,
    /** The calls since the last take. */
    take(): SupabaseCall[] {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Showing tokens and claims briefly: never a whole token, never a secret.

const now = () => Math.floor(Date.now() / 1000);
const shortToken = (token: string) => `${token.slice(0, 16)}… (${token.length} chars)`;
const lifetime = (claims: JWTPayload) => (claims.exp === undefined ? 'no exp' : `expires in ${claims.exp - now()} s`);
const showValue = (value: unknown) => (typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value));
const claimsText = (claims: JWTPayload, names: string[], withLifetime = true) =>
  [...names.filter((name) => claims[name] !== undefined).map((name) => `${name} ${showValue(claims[name])}`), ...(withLifetime ? [lifetime(claims)] : [])].join(' · ');

const accessTokenClaims = ['sub', 'aud', 'scope', 'client_id'];
const mintedClaims = ['sub', 'role', 'aud', 'userId', 'client_id', 'scope', 'is_machine'];
const pick = (claims: JWTPayload | undefined, names: string[]) =>
  Object.fromEntries(names.filter((name) => claims?.[name] !== undefined).map((name) => [name, claims![name]]));

const callerText = ({ token }: Caller) =>
  token ? `sub ${token.subject} · ${token.isMachine ? 'machine (sub = client_id)' : 'user'} · scopes ${token.scopes.join(' ') || '(none)'}` : 'anonymous';
const databaseText = ({ database }: Caller) =>
  `role ${database.role} · logto.user_id() ${database.user_id ?? 'null'} · logto.client_id() ${database.client_id ?? 'null'}`;
const supabaseCallText = (call: SupabaseCall | undefined) => (call ? `${call.method} ${call.path} → ${call.status}` : '(no request)');
const userIds = (posts: Post[]) => posts.map((post) => post.user_id);

// ---------------------------------------------------------------------------------------------
// The steps

interface Context {
  stack: LocalStack;
  backend: Listening;
  supabase: ReturnType<typeof watchSupabase>;
}

async function signIn(step: Step, { stack }: Context, user: 'alice' | 'bob'): Promise<string> {
  const { accessToken } = await stack.logto.signIn(user);
  const header = decodeProtectedHeader(accessToken);
  const claims = decodeJwt(accessToken);
  step
    .show('flow', 'flow', 'authorization_code+pkce', 'authorization code + PKCE, then a refresh-token grant for the API resource')
    .show('access token', 'accessToken', shortToken(accessToken), shortToken(accessToken))
    .show('header', 'header', header, `alg ${header.alg} · typ ${header.typ} · kid ${String(header.kid).slice(0, 8)}…`)
    .show('claims', 'claims', pick(claims, [...accessTokenClaims, 'iss', 'exp']), claimsText(claims, accessTokenClaims))
    .expect('a JWT access token for the API (typ at+jwt, ES384)', [header.typ, header.alg], ['at+jwt', 'ES384'])
    .expect(`sub is ${user}'s Logto user id, aud the API resource`, [claims.sub, claims.aud], [users[user].id, api.resource]);
  return accessToken;
}

/** GET /api/me then GET /api/posts with a user's token, showing each party's view. */
async function readPosts(step: Step, context: Context, user: 'alice' | 'bob', token: string): Promise<void> {
  const { backend, supabase } = context;
  const me = await callApi<Caller>(backend.url, 'GET', '/api/me', { token });
  supabase.take();
  const posts = await callApi<Post[]>(backend.url, 'GET', '/api/posts', { token });
  const [call] = supabase.take().filter(({ path }) => path.startsWith('/rest/v1/posts'));
  step
    .show('app → backend', 'request', { method: 'GET', path: '/api/posts' }, `GET /api/posts · Authorization: Bearer ${shortToken(token)}`)
    .show('backend verified', 'verified', me.body.token, callerText(me.body))
    .show('backend minted', 'minted', { alg: call?.alg, ...pick(call?.claims, mintedClaims) }, `${call?.alg} JWT · ${claimsText(call?.claims ?? {}, ['sub', 'role', 'aud'])}`)
    .more(`and ${claimsText(call?.claims ?? {}, ['userId', 'client_id', 'scope', 'is_machine'], false)}`)
    .show('backend → Supabase', 'supabaseRequest', call && { method: call.method, path: call.path, status: call.status }, supabaseCallText(call))
    .show('database saw', 'database', me.body.database, databaseText(me.body))
    .show('backend → app', 'status', posts.status, `HTTP ${posts.status}`)
    .rows('rows', posts.body)
    .expect('the backend verified a user token', [me.status, me.body.token?.userId], [200, users[user].id])
    .expect('the minted JWT is for the same user, role authenticated', [call?.claims?.sub, call?.claims?.role, call?.claims?.aud], [users[user].id, 'authenticated', 'authenticated'])
    .expect(`RLS returned exactly ${user}'s 2 posts`, [posts.status, userIds(posts.body)], [200, [users[user].id, users[user].id]]);
}

/** The same call through the Fastify sample (`logto-supabase/fastify`): the adapter changes, the answer does not. */
async function readPostsThroughFastify(step: Step, { backend }: Context, options: LogtoSupabaseOptions, token: string): Promise<void> {
  const fastify = await listen((await createFastifyApp(options)).server);
  try {
    const [throughFastify, throughExpress] = await Promise.all([
      callApi<Post[]>(fastify.url, 'GET', '/api/posts', { token }),
      callApi<Post[]>(backend.url, 'GET', '/api/posts', { token }),
    ]);
    step
      .show('app → Fastify', 'request', { method: 'GET', path: '/api/posts' }, `GET ${fastify.url}/api/posts with Alice's token (examples/fastify)`)
      .show('Fastify → app', 'status', throughFastify.status, `HTTP ${throughFastify.status}`)
      .rows('rows', throughFastify.body)
      .expect('the Fastify plugin gives Alice the same 2 posts as the Express middleware', [throughFastify.status, throughFastify.body], [200, throughExpress.body]);
  } finally {
    await fastify.close();
  }
}

/** A SPA's way: the backend exchanges the Logto token, the browser client queries Supabase itself. */
async function browserReadsSupabase(step: Step, { stack, backend, supabase }: Context, token: string): Promise<void> {
  const tokenEndpoint = `${backend.url}/api/supabase-token`;
  const exchange = await callApi<SupabaseTokenResponse>(backend.url, 'POST', '/api/supabase-token', { token });
  const claims = decodeJwt(exchange.body.access_token);
  const browser = createBrowserSupabaseClient({
    url: stack.supabase.url,
    anonKey: stack.supabase.anonKey,
    getAccessToken: async () => token,
    tokenEndpoint,
    // Node stands in for the browser: supabase-js' own fetch (recorded) and a WebSocket.
    clientOptions: { global: { fetch: supabase.fetch }, realtime: { transport: WebSocket as never } },
  });
  supabase.take();
  const { data, error } = await browser.from('posts').select('id, user_id, title').order('id');
  const [call] = supabase.take();
  const rows = (data ?? []) as Post[];
  step
    .show('browser → backend', 'exchange', { method: 'POST', path: '/api/supabase-token', status: exchange.status }, `POST /api/supabase-token with Alice's Logto token → HTTP ${exchange.status}`)
    .show('backend answered', 'issued', { ...pick(claims, ['sub', 'role', 'aud']), expires_in: exchange.body.expires_in, cacheControl: exchange.headers.get('cache-control') }, `a Supabase JWT · ${claimsText(claims, ['sub', 'role'])} · Cache-Control ${exchange.headers.get('cache-control')}`)
    .show('browser → Supabase', 'supabaseRequest', call && { method: call.method, path: call.path, status: call.status }, supabaseCallText(call))
    .rows('rows', rows)
    .expect('the exchange answers a JWT for Alice, never cached', [exchange.status, claims.sub, claims.role, exchange.headers.get('cache-control')], [200, users.alice.id, 'authenticated', 'no-store'])
    .expect('the browser sent that JWT to Supabase', call?.claims?.sub, users.alice.id)
    .expect('RLS returned exactly Alice’s 2 posts', [error, userIds(rows)], [null, [users.alice.id, users.alice.id]]);
}

async function writeAsSomeoneElse(step: Step, { backend, supabase }: Context, aliceToken: string, bobToken: string): Promise<void> {
  const post = { title: 'Written in Bob’s name', user_id: users.bob.id };
  supabase.take();
  const write = await callApi<{ error: string; error_description: string }>(backend.url, 'POST', '/api/posts', { token: aliceToken, body: post });
  const [call] = supabase.take();
  const bobsPosts = await callApi<Post[]>(backend.url, 'GET', '/api/posts', { token: bobToken });
  step
    .show('app → backend', 'request', { method: 'POST', path: '/api/posts', body: post }, `POST /api/posts ${JSON.stringify(post)} with Alice's token`)
    .show('backend minted', 'minted', pick(call?.claims, mintedClaims), claimsText(call?.claims ?? {}, ['sub', 'role']))
    .show('backend → Supabase', 'supabaseRequest', call && { method: call.method, path: call.path, status: call.status }, supabaseCallText(call))
    .show('backend → app', 'response', { status: write.status, body: write.body }, `HTTP ${write.status} ${write.body.error}: ${write.body.error_description}`)
    .show('Bob then reads', 'bobPostCount', bobsPosts.body.length, `${bobsPosts.body.length} post(s), unchanged`)
    .expect('the write is refused with 403 (RLS WITH CHECK, SQLSTATE 42501), naming no table', [write.status, write.body.error], [403, 'forbidden'])
    .expect('the minted JWT carried Alice, not Bob', call?.claims?.sub, users.alice.id)
    .expect('Bob still has exactly his 2 posts', userIds(bobsPosts.body), [users.bob.id, users.bob.id]);
}

async function machineJob(step: Step, { stack, backend, supabase }: Context, app: 'adminJob' | 'reporter'): Promise<void> {
  const { clientId } = apps[app];
  supabase.take();
  const result = await runM2mJob(localJobOptions(stack, app, backend.url));
  const call = supabase.take().find(({ path }) => path.startsWith('/rest/v1/posts'));
  const supabaseSaw =
    call?.claims?.role === 'service_role'
      ? 'the service_role key (RLS bypassed)'
      : `a minted JWT · ${claimsText(call?.claims ?? {}, ['sub', 'role', 'client_id', 'is_machine'])}`;
  step
    .show('job → Logto', 'token', result.token, `client credentials · ${claimsText(result.token, ['sub', 'client_id', 'scope'])}`)
    .show('backend verified', 'verified', result.me.token, callerText(result.me))
    .show('Supabase got', 'supabaseBearer', { alg: call?.alg, ...pick(call?.claims, ['role', ...mintedClaims]) }, supabaseSaw)
    .show('database saw', 'database', result.me.database, databaseText(result.me))
    .rows('rows', result.posts);
  if (app === 'adminJob') {
    step
      .expect('the allowlisted app is served by the service role', result.me.database.role, 'service_role')
      .expect('it reads all 5 posts', userIds(result.posts), [users.alice.id, users.alice.id, users.bob.id, users.bob.id, apps.reporter.clientId]);
  } else {
    step
      .expect('a non-allowlisted app gets an RLS client whose subject is its client id', [result.me.database.role, result.me.database.client_id], ['authenticated', clientId])
      .expect('it reads only its own post', userIds(result.posts), [clientId]);
  }
}

async function forgedToken(step: Step, { backend, supabase }: Context, aliceToken: string): Promise<void> {
  // Alice's real token with the payload rewritten to claim Bob's id; the signature stays Alice's.
  const [header, , signature] = aliceToken.split('.');
  const payload = Buffer.from(JSON.stringify({ ...decodeJwt(aliceToken), sub: users.bob.id })).toString('base64url');
  const forged = `${header}.${payload}.${signature}`;
  supabase.take();
  const response = await callApi<{ error: string; error_description: string }>(backend.url, 'GET', '/api/posts', { token: forged });
  const calls = supabase.take();
  const wwwAuthenticate = response.headers.get('www-authenticate');
  step
    .show('app → backend', 'request', { method: 'GET', path: '/api/posts' }, "GET /api/posts with Alice's token, sub rewritten to Bob's id")
    .show('backend → app', 'response', { status: response.status, body: response.body }, `HTTP ${response.status} ${response.body.error}: ${response.body.error_description}`)
    .show('WWW-Authenticate', 'wwwAuthenticate', wwwAuthenticate, wwwAuthenticate ?? '(none)')
    .show('backend → Supabase', 'supabaseRequests', calls.length, calls.length === 0 ? 'nothing: Supabase was never asked' : `${calls.length} request(s)`)
    .expect('the forged token is refused with 401 invalid_token', [response.status, response.body.error], [401, 'invalid_token'])
    .expect('WWW-Authenticate names the error (RFC 6750)', /^Bearer .*error="invalid_token"/.test(wwwAuthenticate ?? ''), true)
    .expect('Supabase was never called', calls.length, 0);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<boolean> {
  const started = performance.now();
  const steps: Step[] = [];
  const print = (text: string) => {
    if (!asJson) console.log(text);
  };
  const run = async (id: string, title: string, body: (step: Step) => Promise<void>) => {
    const step = new Step(id, title);
    steps.push(step);
    try {
      await body(step);
    } catch (error) {
      step.expect('the step ran', error instanceof Error ? error.message : String(error), 'no error');
    }
    print(step.render(steps.length));
  };

  print(`${bold('logto-supabase demo')}: Logto → your backend → Supabase (RLS), on the local stack\n`);
  const { startLocalStack } = await loadLocalStack();
  const stack = await startLocalStack();
  const supabase = watchSupabase();
  let backend: Listening | undefined;
  let stackFacts: Record<string, string> = {};
  try {
    // The sample exactly as shipped; the demo only watches its Supabase traffic through supabase-js' own fetch option.
    const options: LogtoSupabaseOptions = {
      ...stack.options,
      supabase: { ...stack.options.supabase, clientOptions: { global: { fetch: supabase.fetch } } },
    };
    backend = await listen(createApp(options));
    stackFacts = {
      logto: stack.logto.endpoint,
      supabase: stack.supabase.url,
      database: stack.supabase.db.kind,
      backend: backend.url,
    };
    print(
      `${table([
        ['Logto stand-in', stack.logto.endpoint, dim(`oidc-provider as Logto, issuer ${stack.logto.issuer}`)],
        ['Supabase stand-in', stack.supabase.url, dim(`${stack.supabase.db.kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}, RLS on public.posts`)],
        ['Express backend', backend.url, dim('examples/express-spa-backend')],
      ])}\n`,
    );
    const context: Context = { stack, backend, supabase };
    let aliceToken = '';
    let bobToken = '';
    await run('alice-signs-in', 'Alice signs in with Logto and gets an access token', async (step) => {
      aliceToken = await signIn(step, context, 'alice');
    });
    await run('alice-reads-posts', 'Alice’s app asks the backend for posts', (step) => readPosts(step, context, 'alice', aliceToken));
    await run('bob-signs-in', 'Bob signs in with Logto and gets an access token', async (step) => {
      bobToken = await signIn(step, context, 'bob');
    });
    await run('bob-reads-posts', 'Bob’s app asks the backend for posts', (step) => readPosts(step, context, 'bob', bobToken));
    await run('fastify-reads-posts', 'The same request through the Fastify sample', (step) => readPostsThroughFastify(step, context, options, aliceToken));
    await run('alice-browser-reads-supabase', 'Alice’s browser exchanges her token and reads Supabase itself', (step) =>
      browserReadsSupabase(step, context, aliceToken),
    );
    await run('alice-writes-as-bob', 'Alice tries to write a post in Bob’s name', (step) =>
      writeAsSomeoneElse(step, context, aliceToken, bobToken),
    );
    await run('m2m-admin-job', 'The admin job (M2M, allowlisted) reads every post', (step) => machineJob(step, context, 'adminJob'));
    await run('m2m-reporter', 'The reporter app (M2M, not allowlisted) reads posts', (step) => machineJob(step, context, 'reporter'));
    await run('forged-token', 'A forged token is refused', (step) => forgedToken(step, context, aliceToken));
  } finally {
    await backend?.close();
    await stack.stop();
  }

  const ok = steps.every((step) => step.ok);
  const checks = steps.flatMap((step) => step.checks);
  const failed = checks.filter((check) => !check.ok).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (asJson) {
    console.log(JSON.stringify({ ok, durationMs: Math.round(performance.now() - started), stack: stackFacts, steps }, null, 2));
  } else {
    print(
      ok
        ? green(`All ${checks.length} checks held across ${steps.length} steps (${seconds} s); everything is stopped.`)
        : red(`${failed} of ${checks.length} checks failed (${seconds} s); everything is stopped.`),
    );
  }
  return ok;
}

process.exitCode = (await main()) ? 0 : 1;
