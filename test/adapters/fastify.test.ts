/**
 * What only the Fastify plugin has: encapsulation (where its hook and decorators apply), its
 * plugin metadata, and how it answers a `LogtoAuthError` thrown by a route without taking the
 * app's error handler away. Run on Fastify 5 and Fastify 4, over HTTP on 127.0.0.1. The shared
 * behaviour (statuses, bodies, RLS) is in scenarios.test.ts.
 */
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyV4 from 'fastify-v4';
import { assertScopes, type LogtoSupabaseOptions } from 'logto-supabase';
import { logtoSupabase, requireScopes } from 'logto-supabase/fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JWT_SECRET, PUBLISHABLE_KEY, SUPABASE_URL } from '../helpers/supabase.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, signToken, USER_ID } from '../helpers/tokens.js';

const key = await generateTestKey();
const options: LogtoSupabaseOptions = {
  logto: { endpoint: ENDPOINT, audience: AUDIENCE, jwks: jwksOf(key) },
  supabase: { url: SUPABASE_URL, anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET },
};
const token = await signToken(key, { claims: { scope: 'read:posts' } });

const insufficientScope = {
  status: 403,
  body: { error: 'insufficient_scope', error_description: 'The token lacks the required scope(s): admin:posts.' },
};
const missingToken = {
  status: 401,
  body: { error: 'missing_token', error_description: 'Authorization header with a Bearer token is required.' },
};

const versions = [
  { name: 'Fastify 5', create: (settings?: FastifyServerOptions) => fastify(settings) },
  { name: 'Fastify 4', create: (settings?: FastifyServerOptions) => fastifyV4(settings as never) as unknown as FastifyInstance },
];

describe.each(versions)('$name', ({ create }) => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  function newApp(settings?: FastifyServerOptions): FastifyInstance {
    const app = create({ forceCloseConnections: true, ...settings });
    apps.push(app);
    return app;
  }

  /** Serves the app on loopback and sends one request. */
  async function request(app: FastifyInstance, path: string, bearer?: string): Promise<{ status: number; body: unknown }> {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
    return { status: response.status, body: await response.json() };
  }

  const whoami = async (request: { auth: { subject: string } | null }) => ({ subject: request.auth?.subject ?? null });

  describe('encapsulation: the plugin behaves like a fastify-plugin plugin', () => {
    it('registered at the root, it guards the routes declared there (skip-override)', async () => {
      const app = newApp();
      await app.register(logtoSupabase, options);
      app.get('/me', whoami);
      expect(await request(app, '/me')).toEqual(missingToken);
      expect(await request(app, '/me', token)).toEqual({ status: 200, body: { subject: USER_ID } });
    });

    it('registered in a scope, it guards that scope and its children, not its siblings', async () => {
      const app = newApp();
      await app.register(async (api) => {
        await api.register(logtoSupabase, options);
        api.get('/me', whoami);
        await api.register(async (child) => {
          child.get('/child', whoami);
        });
      }, { prefix: '/api' });
      app.get('/open', async (request) => ({ auth: request.auth ?? 'not decorated here' }));

      expect(await request(app, '/api/me')).toEqual(missingToken);
      expect(await request(app, '/api/child')).toEqual(missingToken);
      expect(await request(app, '/api/child', token)).toEqual({ status: 200, body: { subject: USER_ID } });
      expect(await request(app, '/open')).toEqual({ status: 200, body: { auth: 'not decorated here' } });
    });

    it('can be registered again in a child scope (e.g. optional at the root, required below): no decorator clash', async () => {
      const app = newApp();
      await app.register(logtoSupabase, { ...options, optional: true });
      app.get('/public', whoami);
      await app.register(async (admin) => {
        await admin.register(logtoSupabase, options);
        admin.get('/admin', whoami);
      });

      expect(await request(app, '/public')).toEqual({ status: 200, body: { subject: null } });
      expect(await request(app, '/admin')).toEqual(missingToken);
    });

    it('is named: hasPlugin and printPlugins know it as logto-supabase', async () => {
      const app = newApp();
      await app.register(logtoSupabase, options);
      await app.ready();
      expect(app.hasPlugin('logto-supabase')).toBe(true);
      expect(app.printPlugins()).toContain('logto-supabase');
    });
  });

  describe('a LogtoAuthError thrown by a route is answered; the app keeps its own error handler', () => {
    const routes = (app: FastifyInstance) => {
      app.get('/assert', async (request) => {
        assertScopes(request.auth!, 'admin:posts');
        return { ok: true };
      });
      app.get('/boom', async () => {
        throw new Error('boom');
      });
    };
    const mine = (error: FastifyError, _request: unknown, reply: { code(status: number): { send(body: unknown): unknown } }) =>
      reply.code(418).send({ mine: error.message });

    it.each(['before', 'after'] as const)('an app error handler set %s the plugin gets every other error', async (when) => {
      const app = newApp();
      if (when === 'before') app.setErrorHandler(mine);
      await app.register(logtoSupabase, options);
      if (when === 'after') app.setErrorHandler(mine);
      routes(app);

      expect(await request(app, '/assert', token)).toEqual(insufficientScope);
      expect(await request(app, '/boom', token)).toEqual({ status: 418, body: { mine: 'boom' } });
    });

    it('sets no error handler of its own: Fastify prints no override warning and allowErrorHandlerOverride: false is respected', async () => {
      const warnings = vi.fn();
      process.on('warning', warnings);
      try {
        const app = newApp({ allowErrorHandlerOverride: false } as FastifyServerOptions);
        await app.register(logtoSupabase, options);
        app.setErrorHandler(mine);
        routes(app);
        expect(await request(app, '/assert', token)).toEqual(insufficientScope);
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings).not.toHaveBeenCalled();
      } finally {
        process.off('warning', warnings);
      }
    });

    it("without an app error handler, other errors get Fastify's default answer", async () => {
      const app = newApp({ logger: false });
      await app.register(logtoSupabase, options);
      routes(app);
      expect(await request(app, '/boom', token)).toEqual({
        status: 500,
        body: { statusCode: 500, error: 'Internal Server Error', message: 'boom' },
      });
    });

    it("a route's own errorHandler still gets the other errors of that route", async () => {
      const app = newApp();
      await app.register(logtoSupabase, options);
      app.get('/own', { errorHandler: mine }, async (request) => {
        if (request.auth?.scopes.includes('read:posts')) throw new Error('own');
        return { ok: true };
      });
      app.get('/own-assert', { errorHandler: mine }, async (request) => {
        assertScopes(request.auth!, 'admin:posts');
        return { ok: true };
      });
      expect(await request(app, '/own', token)).toEqual({ status: 418, body: { mine: 'own' } });
      expect(await request(app, '/own-assert', token)).toEqual(insufficientScope);
    });
  });

  describe('requireScopes as a preHandler', () => {
    it('answers 403 insufficient_scope without running the handler, and 401 where no token was verified', async () => {
      const handler = vi.fn(async () => ({ ok: true }));
      const app = newApp();
      await app.register(async (api) => {
        await api.register(logtoSupabase, { ...options, optional: true });
        api.get('/admin', { preHandler: requireScopes('admin:posts') }, handler);
        api.get('/read', { preHandler: requireScopes('read:posts') }, handler);
      });

      expect(await request(app, '/admin', token)).toEqual(insufficientScope);
      expect(await request(app, '/admin')).toEqual(missingToken);
      expect(handler).not.toHaveBeenCalled();
      expect(await request(app, '/read', token)).toEqual({ status: 200, body: { ok: true } });
      expect(handler).toHaveBeenCalledOnce();
    });
  });
});
