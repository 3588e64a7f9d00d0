import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apps, users } from '../../examples/local-stack/src/fixtures.js';
import { startLocalSupabase, type LocalSupabase } from '../../examples/local-stack/src/supabase.js';
import { logtoSql } from '../../src/sql/index.js';

const databases = [
  { name: 'PGlite', databaseUrl: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', databaseUrl: process.env.TEST_DATABASE_URL }] : []),
];

const alice = users.alice.id;
const bob = users.bob.id;
const reporter = apps.reporter.clientId;
const now = () => Math.floor(Date.now() / 1000);

/** The claims logto-supabase mints for a Logto user. */
const userClaims = (sub: string): JWTPayload => ({
  sub,
  role: 'authenticated',
  aud: 'authenticated',
  client_id: apps.web.clientId,
  scope: 'read:posts write:posts',
  userId: sub,
});

/** A machine-to-machine subject: Logto's client credentials have sub = client_id. */
const machineClaims = (clientId: string): JWTPayload => ({
  sub: clientId,
  role: 'authenticated',
  aud: 'authenticated',
  client_id: clientId,
  scope: '',
});

const sign = (
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string } = { alg: 'HS256' },
  times: { iat?: number; exp?: number } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ ...header, typ: 'JWT' })
    .setIssuedAt(times.iat ?? now())
    .setExpirationTime(times.exp ?? now() + 3600)
    .sign(key);

// ws's first constructor overload (`address: null`, for servers) trips realtime-js' type; the runtime is fine.
const transport = WebSocket as unknown as NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']>;

const client = (url: string, apiKey: string, token?: string) =>
  createClient(url, apiKey, {
    accessToken: async () => token ?? null,
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport },
  });

const titles = (rows: { title: string }[] | null) => rows?.map(({ title }) => title);

/** A tiny OIDC-ish key server standing in for a third-party issuer (Logto signs ES384). */
async function startJwksServer(jwk: JWK): Promise<{ jwksUri: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc/jwks`, server };
}

describe.each(databases)('Supabase stand-in on $name', ({ databaseUrl }) => {
  let stack: LocalSupabase;
  let secret: Uint8Array;
  let signingKey: CryptoKey;
  let thirdPartyKey: CryptoKey;
  let jwksServer: Server;
  const issuer = 'https://tenant.logto.example/oidc';
  const signingKid = 'local-es256';

  beforeAll(async () => {
    const es256 = await generateKeyPair('ES256', { extractable: true });
    signingKey = es256.privateKey;
    const es384 = await generateKeyPair('ES384');
    thirdPartyKey = es384.privateKey;
    const jwks = await startJwksServer({ ...(await exportJWK(es384.publicKey)), kid: 'logto-key', alg: 'ES384' });
    jwksServer = jwks.server;
    stack = await startLocalSupabase({
      databaseUrl,
      signingKeys: [{ ...(await exportJWK(es256.privateKey)), kid: signingKid, alg: 'ES256' }],
      thirdParty: { issuer, jwksUri: jwks.jwksUri },
    });
    secret = new TextEncoder().encode(stack.jwtSecret);
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  beforeEach(async () => {
    await stack.reset();
  });

  const as = async (claims: JWTPayload): Promise<SupabaseClient> => client(stack.url, stack.anonKey, await sign(claims, secret));
  const allPosts = async () => (await client(stack.url, stack.serviceRoleKey).from('posts').select('id, user_id, title').order('id')).data;

  describe('keys', () => {
    it('hands out legacy JWT keys signed with the secret, sb_ keys and the public signing keys', () => {
      expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.jwtSecret).toHaveLength(40);
      expect(stack.publishableKey).toMatch(/^sb_publishable_[\w-]{22}$/);
      expect(stack.secretKey).toMatch(/^sb_secret_[\w-]{22}$/);
      expect(stack.jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: signingKid, alg: 'ES256', use: 'sig' })]);
      expect(stack.jwks.keys[0]).not.toHaveProperty('d');
    });

    it('serves the public signing keys at /auth/v1/.well-known/jwks.json', async () => {
      const response = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`);
      expect(await response.json()).toEqual(stack.jwks);
    });

    it('refuses a missing or unknown apikey like the gateway', async () => {
      const { data, error, status } = await client(stack.url, 'not-a-key', await sign(userClaims(alice), secret)).from('posts').select();
      expect(data).toBeNull();
      expect(status).toBe(401);
      expect(error).toEqual({ message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
      expect((await fetch(`${stack.url}/rest/v1/posts`)).status).toBe(401);
    });

    it('never accepts a minted JWT as the apikey', async () => {
      const jwt = await sign(userClaims(alice), secret);
      const { status, error } = await client(stack.url, jwt, jwt).from('posts').select();
      expect(status).toBe(401);
      expect(error?.message).toBe('Invalid API key');
    });

    it('accepts an sb_ key as a Bearer only when it equals the apikey', async () => {
      const own = await client(stack.url, stack.secretKey, stack.secretKey).from('posts').select('id');
      expect(own.data).toHaveLength(5);
      const other = await client(stack.url, stack.publishableKey, stack.secretKey).from('posts').select('id');
      expect(other.status).toBe(401);
      expect(other.error?.code).toBe('PGRST301');
    });
  });

  describe('row-level security through supabase-js', () => {
    it('shows alice only her 2 posts and bob only his', async () => {
      const forAlice = await (await as(userClaims(alice))).from('posts').select('*').eq('user_id', alice).order('id');
      expect(forAlice.error).toBeNull();
      expect(forAlice.status).toBe(200);
      expect(forAlice.data).toEqual([
        expect.objectContaining({ id: 1, user_id: alice, title: "Alice's first post", body: 'Hello from Alice' }),
        expect.objectContaining({ id: 2, user_id: alice, title: "Alice's second post", body: 'Alice again' }),
      ]);
      // Without a filter RLS alone decides.
      const forBob = await (await as(userClaims(bob))).from('posts').select('id, user_id, title').order('id', { ascending: false });
      expect(forBob.data).toEqual([
        { id: 4, user_id: bob, title: "Bob's second post" },
        { id: 3, user_id: bob, title: "Bob's first post" },
      ]);
    });

    it('refuses alice inserting a row for bob with 403 42501', async () => {
      const { data, error, status } = await (await as(userClaims(alice))).from('posts').insert({ user_id: bob, title: 'Forged' }).select();
      expect(data).toBeNull();
      expect(status).toBe(403);
      expect(error).toMatchObject({ code: '42501', message: 'new row violates row-level security policy for table "posts"' });
      expect(await allPosts()).toHaveLength(5);
    });

    it('inserts, updates and deletes her own rows with representation', async () => {
      const db = await as(userClaims(alice));
      const inserted = await db.from('posts').insert({ title: 'Fresh', body: 'New' }).select().single();
      expect(inserted.status).toBe(201);
      expect(inserted.data).toMatchObject({ id: 6, user_id: alice, title: 'Fresh', body: 'New' });

      // An array insert sends `columns=`; the user_id default still fills in.
      const many = await db.from('posts').insert([{ title: 'A', body: 'a' }, { title: 'B', body: 'b' }]).select('user_id, title');
      expect(many).toMatchObject({ status: 201, data: [{ user_id: alice, title: 'A' }, { user_id: alice, title: 'B' }] });

      const updated = await db.from('posts').update({ title: 'Edited' }).eq('id', 1).select('id, title');
      expect(updated.status).toBe(200);
      expect(updated.data).toEqual([{ id: 1, title: 'Edited' }]);

      const deleted = await db.from('posts').delete().eq('id', 2).select('id');
      expect(deleted.data).toEqual([{ id: 2 }]);
      const minimal = await db.from('posts').delete().eq('id', 6);
      expect(minimal.status).toBe(204);
      expect(minimal.error).toBeNull();

      expect(titles(await allPosts())).toEqual(['Edited', "Bob's first post", "Bob's second post", 'Weekly report', 'A', 'B']);
    });

    it("changes nothing when bob updates or deletes alice's row", async () => {
      const db = await as(userClaims(bob));
      const updated = await db.from('posts').update({ title: 'Hijacked' }).eq('id', 1).select();
      expect(updated).toMatchObject({ status: 200, error: null, data: [] });
      const deleted = await db.from('posts').delete().eq('id', 1);
      expect(deleted).toMatchObject({ status: 204, error: null });
      expect((await allPosts())?.[0]).toEqual({ id: 1, user_id: alice, title: "Alice's first post" });
    });

    it('answers .single() with 406 PGRST116 unless exactly one row comes back', async () => {
      const db = await as(userClaims(alice));
      expect((await db.from('posts').select('title').eq('id', 1).single()).data).toEqual({ title: "Alice's first post" });
      const none = await db.from('posts').select().eq('id', 3).single();
      expect(none.status).toBe(406);
      expect(none.error?.code).toBe('PGRST116');
    });

    it('keeps anon out: no grants → 401 42501 on read and insert', async () => {
      const anon = client(stack.url, stack.anonKey);
      const read = await anon.from('posts').select();
      expect(read).toMatchObject({ data: null, status: 401, error: { code: '42501', message: 'permission denied for table posts' } });
      const insert = await anon.from('posts').insert({ title: 'Spam', user_id: alice });
      expect(insert).toMatchObject({ status: 401, error: { code: '42501' } });
      const publishable = await client(stack.url, stack.publishableKey).from('posts').select();
      expect(publishable).toMatchObject({ status: 401, error: { code: '42501' } });
    });

    it('lets the service role key (legacy or sb_secret) see every post', async () => {
      const ids = [1, 2, 3, 4, 5].map((id) => expect.objectContaining({ id }));
      expect(await allPosts()).toEqual(ids);
      expect((await client(stack.url, stack.secretKey).from('posts').select('id').order('id')).data).toEqual(ids);
    });

    it('shows the reporter M2M subject only the row owned by its client id, and defaults new rows to it', async () => {
      const db = await as(machineClaims(reporter));
      expect((await db.from('posts').select('user_id, title')).data).toEqual([{ user_id: reporter, title: 'Weekly report' }]);
      const inserted = await db.from('posts').insert({ title: 'Monthly report' }).select('user_id').single();
      expect(inserted.data).toEqual({ user_id: reporter });
    });

    it('applies the old Logto guide policy through the userId claim', async () => {
      const withUserId = await (await as(userClaims(alice))).from('legacy_posts').select();
      expect(withUserId.data).toEqual([{ user_id: alice, title: "Alice's legacy post" }]);
      const { userId: _, ...withoutUserId } = userClaims(alice);
      expect((await (await as(withoutUserId)).from('legacy_posts').select()).data).toEqual([]);
    });

    it('calls functions over RPC as the caller', async () => {
      const { data, status } = await (await as(userClaims(alice))).rpc('whoami');
      expect(status).toBe(200);
      expect(data).toEqual({
        role: 'authenticated',
        user_id: alice,
        client_id: apps.web.clientId,
        organization_id: null,
        scopes: ['read:posts', 'write:posts'],
      });
      expect((await (await as(machineClaims(reporter))).rpc('whoami')).data).toMatchObject({ user_id: null, client_id: reporter });
    });
  });

  describe('JWT verification', () => {
    it('refuses a forged JWT with 401 PGRST301 and WWW-Authenticate', async () => {
      const forged = await sign(userClaims(alice), new TextEncoder().encode('x'.repeat(40)));
      const { data, error, status } = await client(stack.url, stack.anonKey, forged).from('posts').select();
      expect({ data, status, code: error?.code }).toEqual({ data: null, status: 401, code: 'PGRST301' });
      const response = await fetch(`${stack.url}/rest/v1/posts`, { headers: { apikey: stack.anonKey, Authorization: `Bearer ${forged}` } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description=".+"$/);
      expect(await response.json()).toMatchObject({ code: 'PGRST301', details: null, hint: null });
    });

    it('refuses an expired JWT (beyond the 30 s skew) with 401 PGRST303, and allows one within it', async () => {
      const expired = await sign(userClaims(alice), secret, undefined, { iat: now() - 3600, exp: now() - 60 });
      const { error, status } = await client(stack.url, stack.anonKey, expired).from('posts').select();
      expect({ status, code: error?.code, message: error?.message }).toEqual({ status: 401, code: 'PGRST303', message: 'JWT expired' });
      const justExpired = await sign(userClaims(alice), secret, undefined, { iat: now() - 3600, exp: now() - 5 });
      expect((await client(stack.url, stack.anonKey, justExpired).from('posts').select('id')).data).toHaveLength(2);
      const future = await sign(userClaims(alice), secret, undefined, { iat: now() + 120 });
      expect((await client(stack.url, stack.anonKey, future).from('posts').select()).error?.message).toBe('JWT issued at future');
    });

    it('trusts an ES256 signing key by kid, and only that key for that kid', async () => {
      const token = await sign(userClaims(alice), signingKey, { alg: 'ES256', kid: signingKid });
      expect(titles((await client(stack.url, stack.anonKey, token).from('posts').select('title').order('id')).data)).toEqual([
        "Alice's first post",
        "Alice's second post",
      ]);
      const stranger = (await generateKeyPair('ES256')).privateKey;
      for (const kid of [signingKid, 'unknown-kid']) {
        const untrusted = await sign(userClaims(alice), stranger, { alg: 'ES256', kid });
        const { status, error } = await client(stack.url, stack.anonKey, untrusted).from('posts').select();
        expect({ kid, status, code: error?.code }).toEqual({ kid, status: 401, code: 'PGRST301' });
      }
    });

    it("trusts the third-party issuer's asymmetric tokens that carry a role, never HS256 ones", async () => {
      const logtoClaims = { ...userClaims(alice), iss: issuer };
      const token = await sign(logtoClaims, thirdPartyKey, { alg: 'ES384', kid: 'logto-key' });
      expect((await client(stack.url, stack.anonKey, token).from('posts').select('id')).data).toEqual([{ id: 1 }, { id: 2 }]);
      const roleless = await sign({ ...logtoClaims, role: undefined }, thirdPartyKey, { alg: 'ES384', kid: 'logto-key' });
      expect((await client(stack.url, stack.anonKey, roleless).from('posts').select()).status).toBe(401);
      const hs256 = await sign(logtoClaims, secret);
      expect((await client(stack.url, stack.anonKey, hs256).from('posts').select()).error?.code).toBe('PGRST301');
    });

    it('refuses a role claim other than anon, authenticated or service_role', async () => {
      const { status } = await (await as({ ...userClaims(alice), role: 'postgres' })).from('posts').select();
      expect(status).toBe(401);
    });
  });

  describe('database helpers', () => {
    it("proves the auth.uid() trap: Logto's non-uuid sub fails with 22P02", async () => {
      await expect(stack.db.asClaims(userClaims(alice), 'select id from public.posts where user_id = auth.uid()::text')).rejects.toMatchObject({
        code: '22P02',
        message: `invalid input syntax for type uuid: "${alice}"`,
      });
      const uuid = '6f1c1a47-7a0e-4c39-9a34-6a2c9c1e0b11';
      expect(await stack.db.asClaims({ sub: uuid, role: 'authenticated' }, 'select auth.uid()::text as uid')).toEqual([{ uid: uuid }]);
    });

    it('running the SQL again re-grants nothing an app added to schema logto, and anon may not call the probe', async () => {
      await stack.db.exec(`
        create or replace function logto.app_internal() returns int language sql as 'select 42';
        revoke execute on function logto.app_internal() from public, anon, authenticated;
      `);
      try {
        await stack.db.exec(logtoSql);
        await stack.db.exec(logtoSql);
        const [privileges] = await stack.db.query(`
          select has_function_privilege('anon', 'logto.app_internal()', 'execute') as app_function_anon,
                 has_function_privilege('authenticated', 'logto.app_internal()', 'execute') as app_function_authenticated,
                 has_function_privilege('anon', 'public.logto_supabase_probe()', 'execute') as probe_anon,
                 has_function_privilege('authenticated', 'public.logto_supabase_probe()', 'execute') as probe_authenticated,
                 (select bool_and(exists (
                           select 1 from aclexplode(p.proacl) as acl
                           where acl.grantee = r.oid and acl.privilege_type = 'EXECUTE'))
                    from pg_catalog.pg_proc p, pg_catalog.pg_roles r
                    where p.pronamespace = 'logto'::regnamespace and p.proname <> 'app_internal'
                      and r.rolname in ('anon', 'authenticated', 'service_role')) as helpers_for_every_role`);
        expect(privileges).toEqual({
          app_function_anon: false,
          app_function_authenticated: false,
          probe_anon: false,
          probe_authenticated: true,
          // Granted by name to each role, not only through PUBLIC's default: the list in the SQL is complete.
          helpers_for_every_role: true,
        });
        const probe = await client(stack.url, stack.anonKey).rpc('logto_supabase_probe');
        expect(probe.status).toBe(401);
      } finally {
        await stack.db.exec('drop function logto.app_internal()');
      }
    });

    it('runs queries with the request path: claims in request.jwt.claims and the role switched', async () => {
      const [row] = await stack.db.asClaims(userClaims(bob), 'select current_user as role, logto.user_id() as user_id, auth.role() as claim_role, auth.jwt() ->> $1 as scope', ['scope']);
      expect(row).toEqual({ role: 'authenticated', user_id: bob, claim_role: 'authenticated', scope: 'read:posts write:posts' });
      expect(await stack.db.asClaims({}, 'select current_user as role')).toEqual([{ role: 'anon' }]);
      expect(await stack.db.query('select count(*)::int as n from public.posts')).toEqual([{ n: 5 }]);
    });
  });

  describe('PostgREST surface', () => {
    it('refuses SQL injection in table, column, filter and order names with 400', async () => {
      const db = await as(userClaims(alice));
      const attempts = [
        db.from('posts; drop table posts; --').select(),
        db.from('posts').select('id,title);drop table posts;--'),
        db.from('posts').select('id').eq('user_id" = user_id or true --', alice),
        db.from('posts').select('id').order('id; drop table posts'),
        db.from('posts').insert({ 'title") values (1); drop table posts; --': 'x' }),
      ];
      for (const { status, error } of await Promise.all(attempts)) {
        expect({ status, code: error?.code }).toEqual({ status: 400, code: 'PGRST100' });
      }
      // Values are bound as parameters, never spliced into SQL.
      expect((await db.from('posts').select().eq('title', "x' or '1'='1")).data).toEqual([]);
      expect(await allPosts()).toHaveLength(5);
    });

    it('supports neq, in, is and limit filters', async () => {
      const db = client(stack.url, stack.serviceRoleKey);
      expect((await db.from('posts').select('id').neq('user_id', alice).in('id', [1, 3, 5]).order('id')).data).toEqual([{ id: 3 }, { id: 5 }]);
      expect((await db.from('posts').select('id').not('user_id', 'is', null).order('id', { ascending: false }).limit(2)).data).toEqual([
        { id: 5 },
        { id: 4 },
      ]);
      expect((await db.from('posts').select('id').is('user_id', null)).data).toEqual([]);
    });

    it('maps Postgres errors to PostgREST statuses', async () => {
      const db = client(stack.url, stack.serviceRoleKey);
      expect(await db.from('posts').select().eq('id', 'abc')).toMatchObject({ status: 400, error: { code: '22P02' } });
      expect(await db.from('posts').insert({ id: 1, user_id: alice, title: 'Duplicate' })).toMatchObject({ status: 409, error: { code: '23505' } });
      expect((await db.from('no_such_table').select()).status).toBe(404);
      expect(await db.schema('logto').from('posts').select()).toMatchObject({ status: 406, error: { code: 'PGRST106' } });
      // Refused loudly rather than silently inserting.
      expect((await db.from('posts').upsert({ id: 1, user_id: alice, title: 'Upserted' })).status).toBe(501);
    });
  });
});
