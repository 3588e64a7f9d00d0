/** extractBearerToken reads the Authorization header from every source a server framework hands over (RFC 6750). */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractBearerToken, type BearerSource, type LogtoAuthError } from '../../src/index.js';
import { thrownBy } from '../helpers/assertions.js';

const token = 'eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJhIn0.c2ln';
const missing = ['missing_token', 401, 'Authorization header with a Bearer token is required.'];
const empty = ['invalid_request', 400, 'The Bearer token is empty.'];
const twoTokens = ['invalid_request', 400, 'The Authorization header holds more than one token.'];
const notToken68 = ['invalid_request', 400, 'The Bearer token contains characters outside the RFC 6750 token68 set.'];
const repeated = ['invalid_request', 400, 'More than one Authorization header was sent.'];

/** A Node request as `http` makes it: `headers` keeps the first Authorization, `headersDistinct` all. */
const nodeRequest = (...values: string[]) => ({ headers: { authorization: values[0], host: 'api.example.com' }, headersDistinct: { authorization: values, host: ['api.example.com'] } });

/** Headers with Authorization appended once per value, as a Web server builds them from repeated lines. */
const appended = (...values: string[]) => {
  const headers = new Headers();
  for (const value of values) headers.append('authorization', value);
  return headers;
};

const outcome = (source: BearerSource) => {
  const error = thrownBy(() => extractBearerToken(source));
  return [error.code, error.status, error.message];
};

describe('extractBearerToken reads every kind of source', () => {
  it('from a Request', () => {
    expect(extractBearerToken(new Request('https://api.example.com/posts', { headers: { authorization: `Bearer ${token}` } }))).toBe(token);
  });

  it('from a Headers', () => {
    expect(extractBearerToken(new Headers({ Authorization: `Bearer ${token}` }))).toBe(token);
  });

  it('from Node headers (IncomingHttpHeaders)', () => {
    expect(extractBearerToken({ authorization: `Bearer ${token}`, host: 'api.example.com' })).toBe(token);
  });

  it('from Node headers with a capitalised name', () => {
    expect(extractBearerToken({ Authorization: `Bearer ${token}` })).toBe(token);
  });

  it('from Node headers whose value is an array of one entry', () => {
    expect(extractBearerToken({ authorization: [`Bearer ${token}`] })).toBe(token);
  });

  it('from the raw header value', () => {
    expect(extractBearerToken(`Bearer ${token}`)).toBe(token);
  });

  it('from a Node request (IncomingMessage), through headersDistinct', () => {
    expect(extractBearerToken(nodeRequest(`Bearer ${token}`))).toBe(token);
  });

  it('from a request-like object whose headers are a Headers (e.g. a framework request)', () => {
    expect(extractBearerToken({ headers: new Headers({ authorization: `Bearer ${token}` }) } as unknown as Request)).toBe(token);
  });
});

describe('extractBearerToken: the scheme is case-insensitive', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts "%s"', (scheme) => {
    expect(extractBearerToken(`${scheme} ${token}`)).toBe(token);
  });

  it('tolerates surrounding whitespace and several spaces after the scheme', () => {
    expect(extractBearerToken(`  Bearer   ${token}  `)).toBe(token);
  });
});

describe('extractBearerToken: no credentials is missing_token (RFC 6750 §3.1: no error code)', () => {
  it.each<[string, BearerSource]>([
    ['undefined', undefined],
    ['null', null],
    ['a Request without Authorization', new Request('https://api.example.com/posts')],
    ['a Headers without Authorization', new Headers()],
    ['Node headers without authorization', { host: 'api.example.com' }],
    ['another scheme (Basic)', 'Basic YWxpY2U6c2VjcmV0'],
    ['another scheme in a Request (Basic)', new Request('https://api.example.com', { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } })],
    ['the DPoP scheme', `DPoP ${token}`],
    ['a token without a scheme', token],
    ['an empty header value: it carries no credentials', ''],
    ['an empty Node header value', { authorization: '' }],
    ['an empty header in a Headers', new Headers({ authorization: '' })],
    ['a header of spaces only', '   '],
  ])('%s', (_name, source) => {
    expect(outcome(source)).toEqual(missing);
  });
});

describe('extractBearerToken: a malformed Bearer credential is invalid_request (400)', () => {
  it.each<[string, BearerSource, unknown[]]>([
    ['"Bearer" alone', 'Bearer', empty],
    ['"Bearer " with a trailing space', 'Bearer ', empty],
    ['"bearer" alone in a Request', new Request('https://api.example.com', { headers: { authorization: 'bearer' } }), empty],
    ['two tokens', `Bearer ${token} ${token}`, twoTokens],
    ['two Authorization headers merged by Headers', appended(`Bearer ${token}`, `Bearer ${token}`), repeated],
    ['a good then another Authorization header merged by Headers', appended(`Bearer ${token}`, 'Bearer forged'), repeated],
    ['a Request with two Authorization headers', new Request('https://api.example.com', { headers: appended('Bearer forged', `Bearer ${token}`) }), repeated],
    ['a Node request with two Authorization headers (its headers keep only the first)', nodeRequest(`Bearer ${token}`, 'Bearer forged'), repeated],
    ['a Node request with two Authorization headers, the good one second', nodeRequest('Bearer forged', `Bearer ${token}`), repeated],
    ['a comma ("Bearer a,b")', 'Bearer a,b', notToken68],
    ['a double quote ("Bearer a"b")', 'Bearer a"b', notToken68],
    ['a quoted token', `Bearer "${token}"`, notToken68],
    ['unicode characters', 'Bearer tökén', notToken68],
    ['padding in the middle ("a=b")', 'Bearer a=b', notToken68],
    ['a semicolon', 'Bearer a;b', notToken68],
  ])('%s', (_name, source, expected) => {
    expect(outcome(source)).toEqual(expected);
  });

  it('Node headers with an array of two Authorization values', () => {
    expect(outcome({ authorization: [`Bearer ${token}`, 'Bearer other'] })).toEqual([
      'invalid_request',
      400,
      'More than one Authorization header was sent.',
    ]);
  });
});

describe('extractBearerToken accepts the whole token68 alphabet', () => {
  it.each(['abc=', 'abc==', 'a-b.c_d~e+f/g', 'A1'])('accepts "%s"', (value) => {
    expect(extractBearerToken(`Bearer ${value}`)).toBe(value);
  });
});

describe("extractBearerToken takes a framework's own request object, served over HTTP", () => {
  /** What a handler got back from extractBearerToken(<its request>): the token, or the error code and message. */
  type Seen = { token: string } | { code: string; message: string };
  const seen = (read: () => string): Seen => {
    try {
      return { token: read() };
    } catch (error) {
      const { code, message } = error as LogtoAuthError;
      return { code, message };
    }
  };

  /** Each server answers with what extractBearerToken made of the request object its framework hands over. */
  const servers: Record<string, () => Promise<Server>> = {
    'a Node IncomingMessage': async () => createServer((req, res) => res.end(JSON.stringify(seen(() => extractBearerToken(req))))),
    "Express's req": async () => createServer(express().get('/', (req, res) => res.json(seen(() => extractBearerToken(req))))),
    "Koa's ctx": async () => createServer(new Koa().use((ctx) => (ctx.body = seen(() => extractBearerToken(ctx)))).callback()),
    "Koa's ctx.request": async () => createServer(new Koa().use((ctx) => (ctx.body = seen(() => extractBearerToken(ctx.request)))).callback()),
    "Fastify 5's request": async () => {
      const app = fastify();
      app.get('/', async (request) => seen(() => extractBearerToken(request)));
      await app.ready();
      return app.server;
    },
  };

  /** GET / with these Authorization lines, each sent as its own header line (fetch would join them). */
  async function send(server: Server, authorizations: string[]): Promise<Seen> {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = httpRequest({ host: '127.0.0.1', port, path: '/' });
    request.setHeader('authorization', authorizations);
    request.end();
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen;
  }

  describe.each(Object.entries(servers))('%s', (_name, start) => {
    let server: Server;
    beforeAll(async () => {
      server = await start();
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('reads the token', async () => {
      expect(await send(server, [`Bearer ${token}`])).toEqual({ token });
    });

    it('refuses two Authorization headers with invalid_request, whichever comes first', async () => {
      const refused = { code: 'invalid_request', message: 'More than one Authorization header was sent.' };
      expect(await send(server, [`Bearer ${token}`, 'Bearer forged'])).toEqual(refused);
      expect(await send(server, ['Bearer forged', `Bearer ${token}`])).toEqual(refused);
    });
  });
});
