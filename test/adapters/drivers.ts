/**
 * One app, five frameworks (Fastify in versions 5 and 4): every driver mounts the same endpoints on
 * a real instance of its framework (served on 127.0.0.1; Next route handlers are called with a
 * `Request`) and exposes the same `request()`, so one scenario table can run against every adapter.
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { SupabaseClient } from '@supabase/supabase-js';
import express from 'express';
import fastify, { type FastifyInstance } from 'fastify';
import fastifyV4 from 'fastify-v4';
import { Hono, type Context as HonoContext } from 'hono';
import Koa, { type Middleware } from 'koa';
import { assertScopes, type LogtoAuth, type LogtoSupabaseOptions } from 'logto-supabase';
import * as expressAdapter from 'logto-supabase/express';
import * as fastifyAdapter from 'logto-supabase/fastify';
import * as honoAdapter from 'logto-supabase/hono';
import * as koaAdapter from 'logto-supabase/koa';
import * as nextAdapter from 'logto-supabase/next';

export interface DriverRequest {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra headers; an `authorization` here replaces the one from `token`. */
  headers?: Record<string, string>;
  /**
   * Sent as separate `Authorization` header lines, in this order (over HTTP by `node:http`: fetch
   * would join them); a Next route gets them appended to its `Request`, as a Web server does.
   */
  authorizations?: string[];
  /** Sent as JSON. */
  body?: unknown;
}

export interface DriverResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, the text of another body, or `null` when empty. */
  body: unknown;
}

export interface RunningApp {
  request(method: string, path: string, request?: DriverRequest): Promise<DriverResponse>;
  close(): Promise<void>;
}

export interface Driver {
  name: 'express' | 'koa' | 'hono' | 'next' | 'fastify' | 'fastify4';
  /** Builds the app with these `createLogtoSupabase` options and starts serving it. */
  start(options: LogtoSupabaseOptions): Promise<RunningApp>;
}

// ---------------------------------------------------------------------------------------------
// What the app does, the same in every framework: drivers only translate.

interface RouteInput {
  auth: LogtoAuth | null;
  supabase: SupabaseClient;
  body: unknown;
}

interface RouteOutput {
  status: number;
  body: unknown;
}

interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  /** Mounted with `optional: true`: a request without a token gets `auth: null` and an anon client. */
  optional?: boolean;
  /** Guarded by the adapter's `requireScopes(...)`. */
  scopes?: string[];
  handle(input: RouteInput): RouteOutput | Promise<RouteOutput>;
}

/** Explicit columns: `created_at` differs on every seed, and the tests compare whole bodies. */
const postColumns = 'id, user_id, title';

/**
 * A supabase-js result as the app answers it: the rows, or the status and code Supabase refused
 * with; 502 when Supabase could not be reached (supabase-js reports that as status 0).
 */
function answer(result: { data: unknown; error: { code: string; message: string } | null; status: number }, okStatus: number): RouteOutput {
  if (result.error) return { status: result.status || 502, body: { code: result.error.code, message: result.error.message } };
  return { status: okStatus, body: result.data };
}

function newPost(body: unknown): { title: string; user_id?: string } {
  const { title, user_id } = (body ?? {}) as { title?: unknown; user_id?: unknown };
  if (typeof title !== 'string') throw new Error('POST /api/posts needs a string "title"');
  return typeof user_id === 'string' ? { title, user_id } : { title };
}

export const endpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/api/posts',
    handle: async ({ supabase }) => answer(await supabase.from('posts').select(postColumns).order('id'), 200),
  },
  {
    method: 'POST',
    path: '/api/posts',
    handle: async ({ supabase, body }) => answer(await supabase.from('posts').insert(newPost(body)).select(postColumns), 201),
  },
  {
    method: 'POST',
    path: '/api/admin',
    scopes: ['admin:posts'],
    handle: ({ auth }) => ({ status: 200, body: { subject: auth?.subject ?? null } }),
  },
  {
    method: 'GET',
    path: '/api/assert',
    handle: ({ auth }) => {
      assertScopes(auth!, 'admin:posts');
      return { status: 200, body: { subject: auth!.subject } };
    },
  },
  {
    method: 'GET',
    path: '/api/public',
    optional: true,
    handle: async ({ auth, supabase }) => {
      const whoami = await supabase.rpc('whoami');
      const posts = await supabase.from('posts').select('id').order('id');
      return {
        status: 200,
        body: {
          subject: auth?.subject ?? null,
          database: whoami.data,
          posts: posts.error ? { status: posts.status, code: posts.error.code } : posts.data,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/lazy',
    handle: ({ auth }) => ({ status: 200, body: { subject: auth?.subject ?? null } }),
  },
];

/** A request body as the handlers see it: JSON, or `undefined` when there is none. */
const parseJson = (text: string): unknown => (text === '' ? undefined : JSON.parse(text));

const findEndpoint = (method: string, path: string) => endpoints.find((endpoint) => endpoint.method === method && endpoint.path === path);

// ---------------------------------------------------------------------------------------------
// Requests

function outgoingHeaders({ token, headers = {}, body, authorizations = [] }: DriverRequest): Headers {
  const result = new Headers(headers);
  if (token !== undefined && !result.has('authorization')) result.set('authorization', `Bearer ${token}`);
  for (const value of authorizations) result.append('authorization', value);
  if (body !== undefined) result.set('content-type', 'application/json');
  return result;
}

async function readResponse(response: Response): Promise<DriverResponse> {
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').split(';')[0]!.trim() === 'application/json';
  return { status: response.status, headers: response.headers, body: text === '' ? null : isJson ? JSON.parse(text) : text };
}

/** A request whose `Authorization` lines go out one by one, as a client or proxy may send them. */
async function requestWithRepeatedAuthorization(url: string, method: string, request: DriverRequest): Promise<DriverResponse> {
  const { authorizations = [], ...rest } = request;
  const outgoing = httpRequest(url, { method });
  for (const [name, value] of outgoingHeaders(rest)) outgoing.setHeader(name, value);
  outgoing.setHeader('authorization', authorizations);
  outgoing.end(request.body === undefined ? undefined : JSON.stringify(request.body));
  const [incoming] = (await once(outgoing, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) for (const item of [value ?? []].flat()) headers.append(name, item);
  const text = Buffer.concat(chunks).toString('utf8');
  return readResponse(new Response(text === '' ? null : text, { status: incoming.statusCode, headers }));
}

/** Serves a Node HTTP server on a free loopback port and talks to it with fetch. */
async function overHttp(server: Server): Promise<RunningApp> {
  if (!server.listening) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async request(method, path, request = {}) {
      if (request.authorizations) return requestWithRepeatedAuthorization(`${base}${path}`, method, request);
      const response = await fetch(`${base}${path}`, {
        method,
        headers: outgoingHeaders(request),
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      return readResponse(response);
    },
    async close() {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

const optionalMode = (options: LogtoSupabaseOptions): LogtoSupabaseOptions => ({ ...options, optional: true });

// ---------------------------------------------------------------------------------------------
// The drivers

/** Where the drivers mount the token exchange; `${tokenPath}/optional` is the same with `optional: true`. */
export const tokenPath = '/api/supabase-token';

const expressDriver: Driver = {
  name: 'express',
  async start(options) {
    const { logtoSupabase, requireScopes, logtoAuthErrorHandler, supabaseTokenHandler } = expressAdapter;
    const strict = logtoSupabase(options);
    const optional = logtoSupabase(optionalMode(options));
    const app = express();
    app.all(tokenPath, supabaseTokenHandler(options));
    app.all(`${tokenPath}/optional`, supabaseTokenHandler(optionalMode(options)));
    app.use(express.json());
    for (const endpoint of endpoints) {
      const route = endpoint.method === 'GET' ? app.get.bind(app) : app.post.bind(app);
      const guards = endpoint.scopes ? [requireScopes(...endpoint.scopes)] : [];
      route(endpoint.path, endpoint.optional ? optional : strict, ...guards, async (req: express.Request, res: express.Response) => {
        const { status, body } = await endpoint.handle({ auth: req.auth ?? null, supabase: req.supabase!, body: req.body });
        res.status(status).json(body);
      });
    }
    // Express 5 hands errors of async handlers to the error middleware.
    app.use(logtoAuthErrorHandler());
    return overHttp(app.listen(0, '127.0.0.1'));
  },
};

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return parseJson(Buffer.concat(chunks).toString('utf8'));
}

const koaDriver: Driver = {
  name: 'koa',
  async start(options) {
    const { logtoSupabase, requireScopes, supabaseTokenHandler } = koaAdapter;
    const strict = logtoSupabase(options);
    const optional = logtoSupabase(optionalMode(options));
    const tokenHandlers = new Map([
      [tokenPath, supabaseTokenHandler(options)],
      [`${tokenPath}/optional`, supabaseTokenHandler(optionalMode(options))],
    ]);
    const app = new Koa();
    // No router is installed: routes are matched by hand, each one a chain of middleware.
    app.use(async (ctx, next) => {
      const tokenHandler = tokenHandlers.get(ctx.path);
      if (tokenHandler) return tokenHandler(ctx, next);
      const endpoint = findEndpoint(ctx.method, ctx.path);
      if (!endpoint) return next();
      const handler: Middleware = async (ctx) => {
        const body = await readJsonBody(ctx.req);
        const output = await endpoint.handle({ auth: ctx.auth ?? null, supabase: ctx.supabase!, body });
        ctx.status = output.status;
        ctx.body = output.body;
      };
      const run = () => handler(ctx, next);
      const guarded = endpoint.scopes ? requireScopes(...endpoint.scopes) : undefined;
      await (endpoint.optional ? optional : strict)(ctx, guarded ? () => guarded(ctx, run) : run);
    });
    return overHttp(app.listen(0, '127.0.0.1'));
  },
};

const honoDriver: Driver = {
  name: 'hono',
  async start(options) {
    const { logtoSupabase, requireScopes, supabaseTokenHandler } = honoAdapter;
    const strict = logtoSupabase(options);
    const optional = logtoSupabase(optionalMode(options));
    const app = new Hono<honoAdapter.LogtoSupabaseEnv>();
    app.all(tokenPath, supabaseTokenHandler(options));
    // The `(c) => options` form, as on Workers.
    app.all(`${tokenPath}/optional`, supabaseTokenHandler(() => optionalMode(options)));
    for (const endpoint of endpoints) {
      const handler = async (c: HonoContext<honoAdapter.LogtoSupabaseEnv>) => {
        const body = parseJson(await c.req.text());
        const output = await endpoint.handle({ auth: c.get('auth'), supabase: c.get('supabase'), body });
        return Response.json(output.body, { status: output.status });
      };
      const authenticate = endpoint.optional ? optional : strict;
      if (endpoint.scopes) app.on(endpoint.method, endpoint.path, authenticate, requireScopes(...endpoint.scopes), handler);
      else app.on(endpoint.method, endpoint.path, authenticate, handler);
    }
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await once(server, 'listening');
    return overHttp(server);
  },
};

const nextDriver: Driver = {
  name: 'next',
  async start(options) {
    const { withLogtoSupabase, requireScopes, supabaseTokenRoute } = nextAdapter;
    // app/api/supabase-token/route.ts: `export const POST = supabaseTokenRoute(...)`; Next itself
    // would answer other methods with 405, here the handler does.
    const tokenRoutes = new Map([
      [tokenPath, supabaseTokenRoute(options)],
      [`${tokenPath}/optional`, supabaseTokenRoute(() => optionalMode(options))],
    ]);
    // What `export const GET = withLogtoSupabase(...)` in each app/api/<name>/route.ts would hold.
    const routeHandlers = new Map(
      endpoints.map((endpoint) => {
        const handler: nextAdapter.LogtoSupabaseRouteHandler<Promise<Record<string, string>>> = async (request, { auth, supabase }) => {
          const body = parseJson(await request.text());
          const output = await endpoint.handle({ auth, supabase, body });
          return Response.json(output.body, { status: output.status });
        };
        const guarded = endpoint.scopes ? requireScopes(...endpoint.scopes)(handler) : handler;
        return [`${endpoint.method} ${endpoint.path}`, withLogtoSupabase(endpoint.optional ? optionalMode(options) : options, guarded)];
      }),
    );
    return {
      async request(method, path, request = {}) {
        const body = request.body === undefined ? undefined : JSON.stringify(request.body);
        const nextRequest = new Request(`http://localhost${path}`, { method, headers: outgoingHeaders(request), body });
        const tokenRoute = tokenRoutes.get(path);
        if (tokenRoute) return readResponse(await tokenRoute(nextRequest));
        const route = routeHandlers.get(`${method} ${path}`);
        if (!route) return { status: 404, headers: new Headers(), body: null };
        return readResponse(await route(nextRequest, { params: Promise.resolve({}) }));
      },
      async close() {},
    };
  },
};

/** The same driver for Fastify 5 and Fastify 4 (installed as `fastify-v4`): only the factory differs. */
function fastifyDriver(name: 'fastify' | 'fastify4', createApp: () => FastifyApp): Driver {
  return {
    name,
    async start(options) {
      const { logtoSupabase, requireScopes, supabaseTokenHandler } = fastifyAdapter;
      const app = createApp();
      app.all(tokenPath, supabaseTokenHandler(options));
      app.all(`${tokenPath}/optional`, supabaseTokenHandler(optionalMode(options)));
      // Strict and optional routes in sibling scopes, each registering the plugin once.
      for (const optional of [false, true]) {
        await app.register(async (scope) => {
          await scope.register(logtoSupabase, optional ? optionalMode(options) : options);
          for (const endpoint of endpoints.filter((candidate) => (candidate.optional ?? false) === optional)) {
            scope.route({
              method: endpoint.method,
              url: endpoint.path,
              ...(endpoint.scopes ? { preHandler: requireScopes(...endpoint.scopes) } : {}),
              handler: async (request, reply) => {
                const output = await endpoint.handle({ auth: request.auth, supabase: request.supabase!, body: request.body });
                return reply.code(output.status).send(output.body);
              },
            });
          }
        });
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
      const running = await overHttp(app.server);
      return { request: running.request, close: () => app.close() };
    },
  };
}

/** Fastify 4's instance, typed as Fastify 5's: the plugin's types are written against the `fastify` the app installs. */
type FastifyApp = FastifyInstance;

export const drivers: Driver[] = [
  expressDriver,
  koaDriver,
  honoDriver,
  nextDriver,
  fastifyDriver('fastify', () => fastify({ forceCloseConnections: true })),
  fastifyDriver('fastify4', () => fastifyV4({ forceCloseConnections: true }) as unknown as FastifyApp),
];

/** Each adapter's token-exchange factory, called with options as an app would at start-up. */
export const tokenHandlerFactories: Record<Driver['name'], (options: LogtoSupabaseOptions) => unknown> = {
  express: expressAdapter.supabaseTokenHandler,
  koa: koaAdapter.supabaseTokenHandler,
  hono: honoAdapter.supabaseTokenHandler,
  next: nextAdapter.supabaseTokenRoute,
  fastify: fastifyAdapter.supabaseTokenHandler,
  fastify4: fastifyAdapter.supabaseTokenHandler,
};
