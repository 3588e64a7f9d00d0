/**
 * Runtime conformance of the packed `logto-supabase`: Web APIs only (fetch, crypto.subtle,
 * Request/Response), so the same file runs on Node, Bun, Deno, workerd and the Vercel Edge runtime.
 *
 * Config (see scripts/runtimes/run.mjs, which mints it against the local stack):
 * - Node, Bun, Deno: JSON in the environment variable LOGTO_SUPABASE_CONFORMANCE; the result is
 *   printed as one line starting with `CONFORMANCE_RESULT `.
 * - workerd, the Edge runtime, any host: call `runConformance(config)` (run.mjs wraps it in a
 *   module worker for workerd; a default export with `fetch` here would make Bun start a server).
 */
import { Hono } from 'hono';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import {
  LogtoAuthError,
  createUserSupabaseClient,
  logtoUserUuid,
  signSupabaseJwt,
  verifyLogtoToken,
} from 'logto-supabase';
import { LogtoWebhookError, verifyLogtoWebhook } from 'logto-supabase/webhooks';
import { logtoSupabase, logtoWebhookHandler, requireScopes } from 'logto-supabase/hono';
import { logtoWebhookRoute, withLogtoSupabase } from 'logto-supabase/next';

export const resultMarker = 'CONFORMANCE_RESULT ';

/** Which runtime this is, from the globals each one defines (Bun and Deno also define `process`). */
export function detectRuntime() {
  const g = globalThis;
  if (g.Deno?.version) return { runtime: 'deno', version: g.Deno.version.deno };
  if (g.Bun?.version) return { runtime: 'bun', version: g.Bun.version };
  if (typeof g.EdgeRuntime === 'string') return { runtime: 'edge-runtime', version: g.EdgeRuntime };
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return { runtime: 'workerd', version: 'unknown' };
  if (g.process?.versions?.node) return { runtime: 'node', version: g.process.versions.node };
  return { runtime: 'unknown', version: 'unknown' };
}

class CheckFailed extends Error {}

function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const same = (actual, expected) => JSON.stringify(actual) === JSON.stringify(expected);

/** Runs `fn` expecting a LogtoAuthError with this code and status. */
async function expectAuthError(fn, code, status) {
  try {
    await fn();
  } catch (error) {
    expect(error instanceof LogtoAuthError, `threw ${error?.name}: ${error?.message}, not a LogtoAuthError`);
    expect(error.code === code && error.status === status, `got ${error.code} ${error.status}, expected ${code} ${status}`);
    return `${error.code} ${error.status}: ${error.message}`;
  }
  throw new CheckFailed(`resolved, expected ${code} ${status}`);
}

/** A Logto-shaped access token signed with `key`. */
function logtoToken(key, kid, claims) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'web0app00000000000001', scope: 'read:posts write:posts', ...claims })
    .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt', kid })
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 600)
    .setJti(crypto.randomUUID())
    .sign(key);
}

const base64url = (text) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const decodeSegment = (segment) => JSON.parse(atob(segment.replaceAll('-', '+').replaceAll('_', '/')));

/** The same token with another subject in its payload and the original signature. */
function tamperedToken(token, sub) {
  const [header, payload, signature] = token.split('.');
  return [header, base64url(JSON.stringify({ ...decodeSegment(payload), sub })), signature].join('.');
}

/** Logto's webhook signature: lowercase hex HMAC-SHA256 of the body bytes, keyed with the signing key as UTF-8. */
async function logtoSignature(body, signingKey) {
  const encode = (text) => new TextEncoder().encode(text);
  const key = await crypto.subtle.importKey('raw', encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encode(body)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Runs `fn` expecting a LogtoWebhookError with this code. */
async function expectWebhookError(fn, code) {
  try {
    await fn();
  } catch (error) {
    expect(error instanceof LogtoWebhookError && error.code === code, `threw ${error?.name} ${error?.code}: ${error?.message}, expected ${code}`);
    return `${error.code} ${error.status}`;
  }
  throw new CheckFailed(`resolved, expected ${code}`);
}

async function titlesOf(supabase) {
  const { data, error } = await supabase.from('posts').select('title').order('id');
  if (error) throw new CheckFailed(`Supabase answered ${error.code ?? ''} ${error.message}`);
  return data.map((row) => row.title);
}

/**
 * @param {{
 *   logto: { endpoint: string, audience: string },
 *   alice: { token: string, userId: string, titles: string[] },
 *   staticKeys: { privateJwk: object, jwks: { keys: object[] } },
 *   supabase: { url: string, anonKey: string, jwtSecret: string, signingKey: object },
 * }} config
 */
export async function runConformance(config) {
  const checks = [];
  const check = async (name, fn) => {
    const started = Date.now();
    try {
      const detail = await fn();
      checks.push({ name, ok: true, detail: `${detail ?? 'ok'} (${Date.now() - started} ms)` });
    } catch (error) {
      const message = error instanceof CheckFailed ? error.message : `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
      checks.push({ name, ok: false, detail: message });
    }
  };

  const { logto, alice, staticKeys } = config;
  const overHttp = { endpoint: logto.endpoint, audience: logto.audience };
  const staticIssuer = 'https://static.logto.example';
  const staticOptions = { endpoint: 'https://static.logto.example', jwks: staticKeys.jwks, audience: logto.audience };
  const staticKid = staticKeys.privateJwk.kid;
  const staticKey = await importJWK(staticKeys.privateJwk, 'ES384');
  const hs256 = { url: config.supabase.url, anonKey: config.supabase.anonKey, jwtSecret: config.supabase.jwtSecret };
  const es256 = { url: config.supabase.url, anonKey: config.supabase.anonKey, signingKey: config.supabase.signingKey };
  const bridgeOptions = { logto: overHttp, supabase: hs256 };
  const bearer = (token) => ({ authorization: `Bearer ${token}` });

  await check('verifyLogtoToken: JWKS over HTTP on 127.0.0.1', async () => {
    const auth = await verifyLogtoToken(alice.token, overHttp);
    expect(auth.userId === alice.userId, `userId ${auth.userId}, expected ${alice.userId}`);
    expect(auth.scopes.includes('read:posts') && !auth.isMachine, `scopes ${auth.scopes.join(' ')}, isMachine ${auth.isMachine}`);
    return `sub ${auth.subject}, scopes "${auth.scopes.join(' ')}"`;
  });

  await check('verifyLogtoToken: static key set (no network)', async () => {
    const token = await logtoToken(staticKey, staticKid, { sub: alice.userId, iss: staticIssuer + '/oidc', aud: logto.audience });
    const auth = await verifyLogtoToken(token, staticOptions);
    expect(auth.subject === alice.userId, `subject ${auth.subject}`);
    return `sub ${auth.subject}`;
  });

  await check('rejects an expired token: invalid_token 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: 'web0app00000000000001', scope: '' })
      .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt', kid: staticKid })
      .setSubject(alice.userId)
      .setIssuer(staticIssuer + '/oidc')
      .setAudience(logto.audience)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(staticKey);
    return expectAuthError(() => verifyLogtoToken(token, { ...staticOptions }), 'invalid_token', 401);
  });

  await check('rejects a forged token (tampered payload, JWKS over HTTP): invalid_token 401', () =>
    expectAuthError(() => verifyLogtoToken(tamperedToken(alice.token, 'b0bq7w5e8r1t'), { ...overHttp }), 'invalid_token', 401),
  );

  await check('rejects a forged token (another key, same kid): invalid_token 401', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const token = await logtoToken(privateKey, staticKid, { sub: alice.userId, iss: staticIssuer + '/oidc', aud: logto.audience });
    return expectAuthError(() => verifyLogtoToken(token, { ...staticOptions }), 'invalid_token', 401);
  });

  await check('rejects a token for another audience: invalid_token 401', () =>
    expectAuthError(() => verifyLogtoToken(alice.token, { ...overHttp, audience: 'https://other-api.example.com' }), 'invalid_token', 401),
  );

  await check('signSupabaseJwt: HS256 secret, verified by jose', async () => {
    const jwt = await signSupabaseJwt(alice.userId, hs256);
    const { payload, protectedHeader } = await jwtVerify(jwt, new TextEncoder().encode(hs256.jwtSecret), {
      algorithms: ['HS256'],
      audience: 'authenticated',
    });
    expect(payload.sub === alice.userId && payload.role === 'authenticated', `claims ${JSON.stringify(payload)}`);
    return `${protectedHeader.alg}, sub ${payload.sub}, role ${payload.role}`;
  });

  await check('signSupabaseJwt: ES256 signing key, verified by jose', async () => {
    const auth = await verifyLogtoToken(alice.token, overHttp);
    const jwt = await signSupabaseJwt(auth, es256);
    const { d: _private, ...publicJwk } = es256.signingKey;
    const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK(publicJwk, 'ES256'), {
      algorithms: ['ES256'],
      audience: 'authenticated',
    });
    expect(protectedHeader.kid === es256.signingKey.kid, `kid ${protectedHeader.kid}`);
    expect(payload.sub === alice.userId && payload.userId === alice.userId && payload.exp <= auth.expiresAt, `claims ${JSON.stringify(payload)}`);
    return `${protectedHeader.alg} kid ${protectedHeader.kid}, exp capped at the Logto token's`;
  });

  await check('signSupabaseJwt: an ES256 key made by this runtime (crypto.subtle)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: 'runtime-made' };
    const jwt = await signSupabaseJwt(alice.userId, { url: hs256.url, anonKey: hs256.anonKey, signingKey });
    const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ['ES256'], audience: 'authenticated' });
    return `sub ${payload.sub}`;
  });

  await check('logtoUserUuid: RFC 9562 UUIDv5 (SHA-1 in crypto.subtle); jwt.subject "uuid" mints it as sub', async () => {
    const vector = await logtoUserUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8');
    expect(vector === '2ed6657d-e927-568b-95e1-2665a8aea6a2', `RFC 9562 A.4 vector gave ${vector}`);
    const jwt = await signSupabaseJwt(alice.userId, { ...hs256, jwt: { subject: 'uuid' } });
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(hs256.jwtSecret), { algorithms: ['HS256'] });
    const uuid = await logtoUserUuid(alice.userId);
    expect(payload.sub === uuid && payload.logto_sub === alice.userId, `claims ${JSON.stringify(payload)}`);
    return `sub ${payload.sub}, logto_sub ${payload.logto_sub}`;
  });

  await check('createUserSupabaseClient (HS256): only alice\'s rows over loopback', async () => {
    const titles = await titlesOf(createUserSupabaseClient(alice.userId, hs256));
    expect(same(titles, alice.titles), `saw ${JSON.stringify(titles)}`);
    const webSocket = typeof globalThis.WebSocket === 'function' ? 'global WebSocket' : 'no global WebSocket';
    return `${titles.length} rows (${webSocket})`;
  });

  await check('createUserSupabaseClient (ES256 signing key): only alice\'s rows', async () => {
    const auth = await verifyLogtoToken(alice.token, overHttp);
    const titles = await titlesOf(createUserSupabaseClient(auth, es256));
    expect(same(titles, alice.titles), `saw ${JSON.stringify(titles)}`);
    return `${titles.length} rows`;
  });

  if (typeof globalThis.WebSocket !== 'function') {
    await check('no global WebSocket: Realtime use fails naming clientOptions.realtime.transport', async () => {
      const client = createUserSupabaseClient(alice.userId, hs256);
      const failure = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 2000);
        const settle = (error) => (clearTimeout(timer), resolve(error));
        try {
          client.channel('conformance').subscribe((status, error) => error && settle(error));
        } catch (error) {
          settle(error);
        }
      });
      // realtime-js' disconnect arms a 10 s timer it never clears: Node exits 10 s later, not sooner.
      await client.removeAllChannels();
      expect(failure !== undefined, 'subscribing without a WebSocket did not fail');
      expect(String(failure.message).includes('clientOptions.realtime.transport'), `message: ${failure.message}`);
      return String(failure.message).split('\n')[0];
    });
  }

  await check('hono: logtoSupabase middleware through app.request()', async () => {
    const app = new Hono();
    app.use('/api/*', logtoSupabase(bridgeOptions));
    app.get('/api/posts', async (c) => c.json({ user: c.get('auth').userId, titles: await titlesOf(c.get('supabase')) }));
    app.delete('/api/posts', requireScopes('admin:posts'), (c) => c.text('deleted'));

    const ok = await app.request('/api/posts', { headers: bearer(alice.token) });
    const body = await ok.json();
    expect(ok.status === 200 && body.user === alice.userId && same(body.titles, alice.titles), `200 expected: ${ok.status} ${JSON.stringify(body)}`);

    const missing = await app.request('/api/posts');
    const missingBody = await missing.json();
    expect(missing.status === 401 && missingBody.error === 'missing_token', `missing token: ${missing.status} ${JSON.stringify(missingBody)}`);
    expect(/^Bearer realm=/.test(missing.headers.get('www-authenticate') ?? ''), `WWW-Authenticate ${missing.headers.get('www-authenticate')}`);

    const forbidden = await app.request('/api/posts', { method: 'DELETE', headers: bearer(alice.token) });
    const forbiddenBody = await forbidden.json();
    expect(forbidden.status === 403 && forbiddenBody.error === 'insufficient_scope', `requireScopes: ${forbidden.status} ${JSON.stringify(forbiddenBody)}`);
    return '200 rows, 401 missing_token, 403 insufficient_scope';
  });

  await check('next: withLogtoSupabase route handler called with a Request', async () => {
    const GET = withLogtoSupabase(bridgeOptions, async (request, { auth, supabase, params }) =>
      Response.json({ user: auth.userId, titles: await titlesOf(supabase), id: (await params).id }),
    );
    const url = 'http://localhost:3000/api/posts/1';
    const ok = await GET(new Request(url, { headers: bearer(alice.token) }), { params: Promise.resolve({ id: '1' }) });
    const body = await ok.json();
    expect(ok.status === 200 && body.id === '1' && same(body.titles, alice.titles), `200 expected: ${ok.status} ${JSON.stringify(body)}`);

    const forged = await GET(new Request(url, { headers: bearer(tamperedToken(alice.token, 'b0bq7w5e8r1t')) }), { params: Promise.resolve({ id: '1' }) });
    const forgedBody = await forged.json();
    expect(forged.status === 401 && forgedBody.error === 'invalid_token', `forged: ${forged.status} ${JSON.stringify(forgedBody)}`);
    expect((forged.headers.get('www-authenticate') ?? '').includes('error="invalid_token"'), `WWW-Authenticate ${forged.headers.get('www-authenticate')}`);
    return '200 rows, 401 invalid_token';
  });

  await check('verifyLogtoWebhook: a signed delivery accepted (Web Crypto HMAC); tampered, stale and unsigned refused', async () => {
    const signingKey = 'Wb7xJq2LmN4pR8sT1vX5zA9cE3gH6kYd';
    const payload = (createdAt) => JSON.stringify({ event: 'User.Created', createdAt, hookId: 'hook1', data: { id: alice.userId, updatedAt: Date.now() } });
    const body = payload(new Date().toISOString());
    const headers = new Headers({ 'content-type': 'application/json', 'logto-signature-sha-256': await logtoSignature(body, signingKey) });
    const event = await verifyLogtoWebhook(new TextEncoder().encode(body).buffer, headers, signingKey);
    expect(event.event === 'User.Created' && event.data.id === alice.userId, `event ${JSON.stringify(event)}`);
    const tampered = await expectWebhookError(() => verifyLogtoWebhook(body.replace(alice.userId, 'b0bq7w5e8r1t'), headers, signingKey), 'invalid_signature');
    const stale = payload(new Date(Date.now() - 600_000).toISOString());
    await expectWebhookError(async () => verifyLogtoWebhook(stale, await logtoSignature(stale, signingKey), signingKey), 'stale_event');
    await expectWebhookError(() => verifyLogtoWebhook(body, new Headers(), signingKey), 'invalid_signature');
    return `accepted ${event.event}; tampered ${tampered}; stale_event; unsigned refused`;
  });

  await check('webhook endpoints: hono logtoWebhookHandler and next logtoWebhookRoute answer 204 / 401', async () => {
    const signingKey = 'Wb7xJq2LmN4pR8sT1vX5zA9cE3gH6kYd';
    const body = JSON.stringify({ event: 'User.Created', createdAt: new Date().toISOString(), hookId: 'hook1', data: { id: alice.userId } });
    const signed = { 'content-type': 'application/json', 'logto-signature-sha-256': await logtoSignature(body, signingKey) };
    const received = [];
    const options = { signingKey, sync: { handle: async (event) => received.push(event.event) } };
    const app = new Hono().post('/webhooks/logto', logtoWebhookHandler(options));
    const route = logtoWebhookRoute(options);
    const statuses = [];
    for (const send of [(init) => app.request('/webhooks/logto', init), (init) => route(new Request('http://localhost/webhooks/logto', init))]) {
      statuses.push((await send({ method: 'POST', headers: signed, body })).status);
      statuses.push((await send({ method: 'POST', headers: signed, body: body.replace('User.Created', 'User.Deleted') })).status);
    }
    expect(same(statuses, [204, 401, 204, 401]) && same(received, ['User.Created', 'User.Created']), `statuses ${statuses}, received ${received}`);
    return 'hono 204/401, next 204/401';
  });

  return { ...detectRuntime(), checks };
}

const env = (name) => {
  const g = globalThis;
  return g.Deno ? g.Deno.env.get(name) : g.process?.env?.[name];
};
const configJson = env('LOGTO_SUPABASE_CONFORMANCE');
if (configJson) {
  runConformance(JSON.parse(configJson)).then(
    (result) => console.log(resultMarker + JSON.stringify(result)),
    (error) => console.log(resultMarker + JSON.stringify({ ...detectRuntime(), checks: [{ name: 'conformance', ok: false, detail: String(error?.stack ?? error) }] })),
  );
}
