/**
 * The webhook endpoint through every adapter, over real HTTP on 127.0.0.1, into a real Postgres
 * behind the local Supabase stand-in: a signed delivery is answered 204 and its row written; a
 * bad signature is answered 401 and nothing is written. Each framework's body handling included.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import fastify, { type FastifyInstance } from 'fastify';
import fastifyV4 from 'fastify-v4';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalSupabase, type LocalSupabase } from '../../examples/local-stack/src/supabase.js';
import { LogtoSupabaseConfigError } from '../../src/index.js';
import * as expressAdapter from '../../src/adapters/express.js';
import * as fastifyAdapter from '../../src/adapters/fastify.js';
import * as honoAdapter from '../../src/adapters/hono.js';
import * as koaAdapter from '../../src/adapters/koa.js';
import * as nextAdapter from '../../src/adapters/next.js';
import type { LogtoWebhookHandlerOptions } from '../../src/adapters/shared.js';
import { createLogtoUserSync } from '../../src/webhooks/index.js';
import { SIGNING_KEY, deliveryHeaders, logtoUser, userCreated } from '../helpers/webhooks.js';

const path = '/webhooks/logto';

/** Serves a Node server on a free loopback port; returns its base URL and a close(). */
async function listen(server: Server): Promise<{ base: string; close(): Promise<void> }> {
  if (!server.listening) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A Next route handler behind a Node server that turns each request into a Web `Request`, as Next does. */
function nextServer(route: (request: Request) => Promise<Response>): Server {
  return createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
    });
    const response = await route(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
}

type App = (options: LogtoWebhookHandlerOptions) => Server | Promise<Server>;

/** A Fastify app with the webhook route, ready (its hooks are in place); `parser` may change how JSON bodies are read. */
async function fastifyServer(app: FastifyInstance, options: LogtoWebhookHandlerOptions, parser?: 'buffer'): Promise<Server> {
  if (parser) app.addContentTypeParser('application/json', { parseAs: parser }, (_request, body, done) => done(null, body));
  app.post(path, fastifyAdapter.logtoWebhookHandler(options));
  await app.ready();
  return app.server;
}

const apps: Record<string, App> = {
  'express (no body parser)': (options) => createServer(express().post(path, expressAdapter.logtoWebhookHandler(options))),
  "express (express.raw({ type: 'application/json' }))": (options) =>
    createServer(express().post(path, express.raw({ type: 'application/json' }), expressAdapter.logtoWebhookHandler(options))),
  'koa (reads ctx.req)': (options) => createServer(new Koa().use(koaAdapter.logtoWebhookHandler(options)).callback()),
  'koa (a body parser kept ctx.request.rawBody)': (options) =>
    createServer(
      new Koa()
        .use(async (ctx, next) => {
          const chunks: Buffer[] = [];
          for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
          const rawBody = Buffer.concat(chunks).toString('utf8');
          Object.assign(ctx.request, { rawBody, body: JSON.parse(rawBody) as unknown });
          await next();
        })
        .use(koaAdapter.logtoWebhookHandler(options))
        .callback(),
    ),
  'hono (@hono/node-server)': (options) => serve({ fetch: new Hono().post(path, honoAdapter.logtoWebhookHandler(options)).fetch, port: 0, hostname: '127.0.0.1' }) as Server,
  'hono ((c) => options)': (options) => serve({ fetch: new Hono().post(path, honoAdapter.logtoWebhookHandler(() => options)).fetch, port: 0, hostname: '127.0.0.1' }) as Server,
  'fastify 5 (its JSON parser in place)': (options) => fastifyServer(fastify(), options),
  'fastify 5 (a buffer parser for JSON)': (options) => fastifyServer(fastify(), options, 'buffer'),
  'fastify 4 (its JSON parser in place)': (options) => fastifyServer(fastifyV4() as unknown as FastifyInstance, options),
  next: (options) => nextServer(nextAdapter.logtoWebhookRoute(options)),
  'next (() => options)': (options) => nextServer(nextAdapter.logtoWebhookRoute(() => options)),
};

let supabase: LocalSupabase;
let options: LogtoWebhookHandlerOptions;
const rowCount = async () => (await supabase.db.query<{ n: number }>('select count(*)::int as n from public.logto_users'))[0]!.n;

beforeAll(async () => {
  supabase = await startLocalSupabase({ databaseUrl: process.env.TEST_DATABASE_URL });
  options = { signingKey: SIGNING_KEY, sync: createLogtoUserSync({ supabase: { url: supabase.url, serviceRoleKey: supabase.serviceRoleKey } }) };
}, 60_000);
afterAll(() => supabase?.stop());
beforeEach(() => supabase.db.exec('truncate public.logto_users, logto.deleted_users'));

const post = (base: string, body: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', headers, body });

describe.each(Object.entries(apps))('%s', (_name, app) => {
  let server: { base: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await listen(await app(options));
  });
  afterAll(() => server.close());

  it('a signed delivery → 204, empty body, and the row', async () => {
    const user = logtoUser('h1signed0001', Date.now());
    const body = JSON.stringify(userCreated(user));
    const response = await post(server.base, body, deliveryHeaders(body));
    expect([response.status, await response.text()]).toEqual([204, '']);
    expect(await supabase.db.query('select id, username from public.logto_users')).toEqual([{ id: user.id, username: user.username }]);
  });

  it('a bad signature → 401 invalid_signature, and nothing written', async () => {
    const body = JSON.stringify(userCreated(logtoUser('h1forged0001', Date.now())));
    const response = await post(server.base, body, deliveryHeaders(body, 'AnotherSigningKey0123456789abcdef'));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_signature' });
    expect(await rowCount()).toBe(0);
  });

  it('an unsigned delivery → 401; a stale one → 401 stale_event; nothing written', async () => {
    const body = JSON.stringify(userCreated(logtoUser('h1unsign0001', Date.now())));
    expect((await post(server.base, body, { 'content-type': 'application/json' })).status).toBe(401);
    const stale = JSON.stringify(userCreated(logtoUser('h1stale00001', Date.now()), new Date(Date.now() - 600_000).toISOString()));
    const response = await post(server.base, stale, deliveryHeaders(stale));
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([401, 'stale_event']);
    expect(await rowCount()).toBe(0);
  });
});

/** A Koa app whose body parser ran first and kept only the parsed body (no ctx.request.rawBody). */
const koaParsedFirst = () =>
  createServer(
    new Koa()
      .use(async (ctx, next) => {
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
        Object.assign(ctx.request, { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        await next();
      })
      .use(koaAdapter.logtoWebhookHandler(options))
      .callback(),
  );

describe('a body parsed before the handler is a clear 500 naming the fix, and nothing is written', () => {
  const parsedFirst: [string, () => Server | Promise<Server>, string][] = [
    ['express.json() first', () => createServer(express().use(express.json()).post(path, expressAdapter.logtoWebhookHandler(options))), "express.raw({ type: 'application/json' })"],
    ['koa with a parser that dropped the raw body', koaParsedFirst, 'ctx.request.rawBody'],
  ];

  it.each(parsedFirst)('%s: 500 naming %s', async (_name, app, fix) => {
    const server = await listen(await app());
    try {
      const body = JSON.stringify(userCreated(logtoUser('h1parsed0001', Date.now())));
      const response = await post(server.base, body, deliveryHeaders(body));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error_description: string }).error_description).toContain(fix);
      expect(await rowCount()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('handler options are checked at start-up', () => {
  it.each([
    ['express', expressAdapter.logtoWebhookHandler],
    ['koa', koaAdapter.logtoWebhookHandler],
    ['hono', honoAdapter.logtoWebhookHandler],
    ['next', nextAdapter.logtoWebhookRoute],
    ['fastify', fastifyAdapter.logtoWebhookHandler],
  ] as const)('%s: no signingKey, or no sync, throws naming the option', (_name, make) => {
    const sync = { handle: async () => undefined };
    expect(() => make({ signingKey: '', sync } as never)).toThrow(LogtoSupabaseConfigError);
    expect(() => make({ signingKey: '', sync } as never)).toThrow(/^signingKey:/);
    expect(() => make({ signingKey: SIGNING_KEY } as never)).toThrow(/^sync:/);
  });
});
