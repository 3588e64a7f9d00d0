/**
 * The servers under load, in their own process (started by `load.ts`). Each scenario serves the
 * library's protected route next to what it is compared with, in the same app.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express, { type RequestHandler } from 'express';
import { Hono } from 'hono';
import { jwk } from 'hono/jwk';
import Koa from 'koa';
import fastify from 'fastify';
import { createLogtoSupabase, fromEnv, type LogtoSupabase, type LogtoSupabaseOptions } from 'logto-supabase';
import { logtoSupabase as expressLogtoSupabase } from 'logto-supabase/express';
import { logtoSupabase as fastifyLogtoSupabase } from 'logto-supabase/fastify';
import { logtoSupabase as honoLogtoSupabase, type LogtoSupabaseEnv } from 'logto-supabase/hono';
import { logtoSupabase as koaLogtoSupabase } from 'logto-supabase/koa';
import { benchSupabase } from './bench-supabase.js';
import type { Fixture } from './issuer.js';

interface Message {
  id: number;
  type: string;
  scenario?: string;
  fixture?: Fixture;
}

const bridgeFor = (fixture: Fixture): LogtoSupabase =>
  createLogtoSupabase({ logto: { endpoint: fixture.endpoint, audience: fixture.audience }, supabase: benchSupabase });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface Scenario {
  ports: Record<string, number>;
  /** New verifiers (empty caches), for the cold rounds. */
  fresh?(): void;
  call?(type: string): unknown;
  stop(): Promise<void>;
}

// Typed through a string specifier: its `Express.Request.auth` declaration clashes with the library's.
const peerModule: string = 'express-oauth2-jwt-bearer';
type PeerAuth = (options: Record<string, unknown>) => RequestHandler;

async function expressScenario(fixture: Fixture): Promise<Scenario> {
  const { auth } = (await import(peerModule)) as { auth: PeerAuth };
  const peer = () =>
    auth({
      issuer: fixture.issuer,
      jwksUri: `${fixture.endpoint}/oidc/jwks`,
      audience: fixture.audience,
      tokenSigningAlg: 'ES384',
      // Also checks typ at+jwt, sub, client_id, iat and jti, as the library does.
      strict: true,
    });
  let ours = expressLogtoSupabase(bridgeFor(fixture));
  let theirs = peer();
  const app = express();
  app.get('/open', (_req, res) => void res.json({ user: null, client: 'none' }));
  app.get('/api/hello', (req, res, next) => ours(req, res, next), (req, res) => void res.json({ user: req.auth?.userId, client: typeof req.supabase!.from }));
  app.get('/api/user', (req, res, next) => ours(req, res, next), (req, res) => void res.json({ user: req.auth?.userId, client: 'none' }));
  app.get('/peer/hello', (req, res, next) => theirs(req, res, next), (req, res) => {
    const { payload } = req.auth as unknown as { payload: { sub: string } };
    res.json({ user: payload.sub, client: 'none' });
  });
  const server = createServer(app);
  return {
    ports: { app: await listen(server) },
    fresh() {
      ours = expressLogtoSupabase(bridgeFor(fixture));
      theirs = peer();
    },
    stop: () => close(server),
  };
}

async function koaScenario(fixture: Fixture): Promise<Scenario> {
  const ours = koaLogtoSupabase(bridgeFor(fixture));
  const app = new Koa();
  app.use(async (ctx, next) => {
    if (ctx.path === '/open') ctx.body = { user: null, client: 'none' };
    else if (ctx.path === '/api/hello') {
      await ours(ctx, async () => {
        ctx.body = { user: ctx.auth?.userId, client: typeof ctx.supabase!.from };
      });
    } else if (ctx.path === '/api/user') {
      await ours(ctx, async () => {
        ctx.body = { user: ctx.auth?.userId, client: 'none' };
      });
    } else await next();
  });
  const server = createServer(app.callback());
  return { ports: { app: await listen(server) }, stop: () => close(server) };
}

async function honoScenario(fixture: Fixture): Promise<Scenario> {
  const app = new Hono<LogtoSupabaseEnv>();
  app.get('/open', (c) => c.json({ user: null, client: 'none' }));
  app.use('/api/*', honoLogtoSupabase(bridgeFor(fixture)));
  app.get('/api/hello', (c) => c.json({ user: c.get('auth')?.userId, client: typeof c.get('supabase').from }));
  app.get('/api/user', (c) => c.json({ user: c.get('auth')?.userId, client: 'none' }));
  // hono/jwk with its fastest configuration: the key given, not fetched (with `jwks_uri` it fetches the JWKS on every request).
  app.use('/jwk/*', jwk({ keys: [fixture.publicJwk as never], alg: ['ES384'], verification: { iss: fixture.issuer, aud: fixture.audience, typ: 'at+jwt' } }));
  app.get('/jwk/hello', (c) => c.json({ user: (c.get('jwtPayload' as never) as { sub: string }).sub, client: 'none' }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  return { ports: { app: (server.address() as AddressInfo).port }, stop: () => close(server) };
}

async function fastifyScenario(fixture: Fixture): Promise<Scenario> {
  const app = fastify();
  app.get('/open', async () => ({ user: null, client: 'none' }));
  await app.register(async (api) => {
    await api.register(fastifyLogtoSupabase, bridgeFor(fixture));
    api.get('/api/hello', async (request) => ({ user: request.auth?.userId, client: typeof request.supabase!.from }));
    api.get('/api/user', async (request) => ({ user: request.auth?.userId, client: 'none' }));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { ports: { app: (app.server.address() as AddressInfo).port }, stop: () => app.close() };
}

/** Hono as on Workers: the options come from the bindings on every request, `(c) => fromEnv(c.env)`. */
async function honoFactoryScenario(fixture: Fixture): Promise<Scenario> {
  const bindings = {
    LOGTO_ENDPOINT: fixture.endpoint,
    LOGTO_AUDIENCE: fixture.audience,
    SUPABASE_URL: benchSupabase.url,
    SUPABASE_ANON_KEY: benchSupabase.anonKey,
    SUPABASE_JWT_SECRET: benchSupabase.jwtSecret,
  };
  const app = new Hono<LogtoSupabaseEnv & { Bindings: typeof bindings }>();
  app.get('/open', (c) => c.json({ user: null, client: 'none' }));
  app.use('/api/*', honoLogtoSupabase((c) => fromEnv(c.env)));
  app.get('/api/hello', (c) => c.json({ user: c.get('auth')?.userId, client: typeof c.get('supabase').from }));
  app.get('/api/user', (c) => c.json({ user: c.get('auth')?.userId, client: 'none' }));
  // Workers hands the bindings to fetch: so does this server.
  const server = serve({ fetch: (request) => app.fetch(request, bindings), port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  return { ports: { app: (server.address() as AddressInfo).port }, stop: () => close(server) };
}

interface Phases {
  start: number;
  verify: number;
  verifiedAt: number;
  queryStart: number;
  queryEnd: number;
}

/** The Express sample on the local stack, timed by phase: verification, client + minting, query. */
async function endToEndScenario(fixture: Fixture): Promise<Scenario> {
  const { startLocalStack } = await import('../../examples/local-stack/src/index.js');
  const { createApp } = await import('../../examples/express-spa-backend/app.js');
  const stack = await startLocalStack();
  const current = new AsyncLocalStorage<Phases>();
  const samples: Phases[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const phases = current.getStore();
    if (phases) phases.queryStart = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      if (phases) phases.queryEnd = performance.now();
    }
  };
  const options: LogtoSupabaseOptions = {
    logto: { endpoint: fixture.endpoint, audience: fixture.audience },
    supabase: { ...stack.options.supabase, clientOptions: { global: { fetch: timedFetch } } },
  };
  const bridge = createLogtoSupabase(options);
  const timedBridge: LogtoSupabase = {
    ...bridge,
    async authenticate(source) {
      const phases = current.getStore()!;
      const started = performance.now();
      try {
        return await bridge.authenticate(source);
      } finally {
        phases.verifiedAt = performance.now();
        phases.verify = phases.verifiedAt - started;
      }
    },
  };
  const outer = express();
  outer.use((_req, res, next) => {
    const phases: Phases = { start: performance.now(), verify: 0, verifiedAt: 0, queryStart: 0, queryEnd: 0 };
    res.on('finish', () => {
      if (res.statusCode === 200 && phases.queryEnd > 0) samples.push({ ...phases, start: performance.now() - phases.start });
    });
    current.run(phases, next);
  });
  outer.use(createApp(timedBridge as unknown as LogtoSupabaseOptions));
  const server = createServer(outer);
  return {
    ports: { app: await listen(server) },
    call(type) {
      if (type === 'phases') {
        const taken = samples.splice(0);
        return taken.map(({ start: total, verify, verifiedAt, queryStart, queryEnd }) => ({
          total,
          verify,
          clientAndMint: queryStart - verifiedAt,
          query: queryEnd - queryStart,
        }));
      }
      return undefined;
    },
    async stop() {
      await close(server);
      await stack.stop();
    },
  };
}

const scenarios: Record<string, (fixture: Fixture) => Promise<Scenario>> = {
  express: expressScenario,
  koa: koaScenario,
  hono: honoScenario,
  'hono-factory': honoFactoryScenario,
  fastify: fastifyScenario,
  e2e: endToEndScenario,
};

let running: Scenario | undefined;

process.on('message', (message: Message) => {
  const reply = (result: unknown) => process.send!({ id: message.id, result });
  const fail = (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  const handle = async () => {
    switch (message.type) {
      case 'start':
        running = await scenarios[message.scenario!]!(message.fixture!);
        return running.ports;
      case 'cpu': {
        // CPU time of this process so far (µs): per request, what serving costs, whatever else runs on the machine.
        const { user, system } = process.cpuUsage();
        return user + system;
      }
      case 'fresh':
        running?.fresh?.();
        return null;
      case 'stop':
        await running?.stop();
        running = undefined;
        return null;
      default:
        return running?.call?.(message.type) ?? null;
    }
  };
  handle().then(reply, fail);
});
