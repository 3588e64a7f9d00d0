/**
 * UUID subjects: `logtoUserUuid` is RFC 9562's UUIDv5, and `supabase.jwt.subject: 'uuid'` mints
 * JWTs whose `sub` is that UUID while `logto_sub` and `userId` keep the Logto id. (The same UUIDs
 * computed by `logto.uuid_of` in Postgres: test/storage/storage.test.ts.)
 */
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createLogtoSupabase,
  fromEnv,
  LogtoSupabaseConfigError,
  logtoUserUuid,
  signSupabaseJwt,
  verifyLogtoToken,
  type LogtoAuth,
  type SupabaseOptions,
} from '../../src/index.js';
import { toLogtoSupabase } from '../../src/adapters/shared.js';
import { cachedSupabaseJwt } from '../../src/supabase/jwt-cache.js';
import { resolveSupabaseOptions } from '../../src/supabase/options.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, M2M_APP_ID, machineClaims, signToken, USER_ID, type Claims } from '../helpers/tokens.js';
import { JWT_SECRET, PUBLISHABLE_KEY as ANON_KEY, SUPABASE_URL } from '../helpers/supabase.js';

const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const DEFAULT_NAMESPACE = '226b2950-017c-54f8-9f1f-e2dbec0b3dae';

const logtoKey = await generateTestKey('ES384', 'logto');
const verified = async (claims: Claims = {}): Promise<LogtoAuth> =>
  verifyLogtoToken(await signToken(logtoKey, { claims }), { endpoint: ENDPOINT, audience: AUDIENCE, jwks: jwksOf(logtoKey), cache: false });

const supabase = (jwt: SupabaseOptions['jwt'] = {}): SupabaseOptions => ({ url: SUPABASE_URL, anonKey: ANON_KEY, jwtSecret: JWT_SECRET, jwt });
const payloadOf = async (jwt: string) => (await jwtVerify(jwt, new TextEncoder().encode(JWT_SECRET), { audience: 'authenticated' })).payload;

describe('logtoUserUuid is RFC 9562 UUIDv5', () => {
  it.each([
    ['RFC 9562 A.4: DNS namespace, www.example.com', DNS, 'www.example.com', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    ['Python uuid docs: DNS namespace, python.org', DNS, 'python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
    ['the default namespace is the UUIDv5 of the package URL', URL_NAMESPACE, 'https://www.npmjs.com/package/logto-supabase', DEFAULT_NAMESPACE],
  ])('%s', async (_name, namespace, name, expected) => {
    expect(await logtoUserUuid(name, namespace)).toBe(expected);
  });

  it('uses the default namespace without one, and accepts an upper-case namespace', async () => {
    expect(await logtoUserUuid(USER_ID)).toBe(await logtoUserUuid(USER_ID, DEFAULT_NAMESPACE));
    expect(await logtoUserUuid('www.example.com', DNS.toUpperCase())).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives version 5, RFC variant, and different UUIDs for different ids', async () => {
    const [a, b] = await Promise.all([logtoUserUuid('a1ic3x9k2m4p'), logtoUserUuid('b0bq8w2n5r7t')]);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('refuses an empty id and a namespace that is not a UUID with a typed error naming the argument, never a bare TypeError', async () => {
    const empty = await logtoUserUuid('').catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(LogtoSupabaseConfigError);
    expect(empty).toEqual(new LogtoSupabaseConfigError('logtoSub', 'must be a non-empty Logto id.'));
    await expect(logtoUserUuid(USER_ID, 'not-a-uuid')).rejects.toThrowError(
      new LogtoSupabaseConfigError('namespace', 'must be a UUID (8-4-4-4-12 hexadecimal digits).'),
    );
  });
});

describe('supabase.jwt.subject', () => {
  it("'logto' (the default): sub is the Logto id, and logto_sub and userId too", async () => {
    const payload = await payloadOf(await signSupabaseJwt(await verified(), supabase()));
    expect(payload).toMatchObject({ sub: USER_ID, logto_sub: USER_ID, userId: USER_ID });
  });

  it("'uuid': sub is the UUIDv5 of the Logto id, logto_sub and userId keep the Logto id", async () => {
    const payload = await payloadOf(await signSupabaseJwt(await verified(), supabase({ subject: 'uuid' })));
    expect(payload).toMatchObject({ sub: await logtoUserUuid(USER_ID), logto_sub: USER_ID, userId: USER_ID, role: 'authenticated' });
  });

  it("'uuid' with a namespace of your own", async () => {
    const payload = await payloadOf(await signSupabaseJwt(USER_ID, supabase({ subject: 'uuid', uuidNamespace: DNS })));
    expect(payload.sub).toBe(await logtoUserUuid(USER_ID, DNS));
    expect(payload.sub).not.toBe(await logtoUserUuid(USER_ID));
  });

  it("'uuid' for a machine token: sub is the UUID of the client id, is_machine stays true", async () => {
    const payload = await payloadOf(await signSupabaseJwt(await verified(machineClaims()), supabase({ subject: 'uuid' })));
    expect(payload).toMatchObject({ sub: await logtoUserUuid(M2M_APP_ID), logto_sub: M2M_APP_ID, client_id: M2M_APP_ID, is_machine: true });
  });

  it('custom claims never override logto_sub', async () => {
    const payload = await payloadOf(await signSupabaseJwt(USER_ID, supabase({ subject: 'uuid', claims: { logto_sub: 'admin', sub: 'admin' } })));
    expect(payload).toMatchObject({ sub: await logtoUserUuid(USER_ID), logto_sub: USER_ID });
  });

  it.each([
    [{ subject: 'email' }, 'supabase.jwt.subject: must be "logto" (the Logto id as is) or "uuid" (its UUIDv5).'],
    [{ subject: 'uuid', uuidNamespace: 'acme' }, 'supabase.jwt.uuidNamespace: must be a UUID (8-4-4-4-12 hexadecimal digits), the same one your SQL passes to logto.uuid_of.'],
    [{ uuidNamespace: `${DNS}x` }, 'supabase.jwt.uuidNamespace: must be a UUID (8-4-4-4-12 hexadecimal digits), the same one your SQL passes to logto.uuid_of.'],
  ])('refuses %j when the bridge is made', (jwt, message) => {
    expect(() => createLogtoSupabase({ logto: { endpoint: ENDPOINT, audience: AUDIENCE }, supabase: supabase(jwt as SupabaseOptions['jwt']) })).toThrowError(message);
  });

  it('refuses uuid subjects in third-party mode, where nothing is minted', () => {
    expect(() =>
      createLogtoSupabase({ logto: { endpoint: ENDPOINT, audience: AUDIENCE }, supabase: { url: SUPABASE_URL, anonKey: ANON_KEY, mode: 'third-party', jwt: { subject: 'uuid' } } }),
    ).toThrowError('supabase.jwt.subject: is "uuid", but in third-party mode Supabase sees Logto\'s own tokens, whose sub is the Logto id: remove it, or mint JWTs.');
  });

  it('fromEnv reads SUPABASE_JWT_SUBJECT and SUPABASE_JWT_UUID_NAMESPACE', async () => {
    const env = { LOGTO_ENDPOINT: ENDPOINT, LOGTO_AUDIENCE: AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY: ANON_KEY, SUPABASE_JWT_SECRET: JWT_SECRET };
    expect(fromEnv(env).supabase.jwt).toBeUndefined();
    const options = fromEnv({ ...env, SUPABASE_JWT_SUBJECT: 'uuid', SUPABASE_JWT_UUID_NAMESPACE: DNS });
    expect(options.supabase.jwt).toEqual({ subject: 'uuid', uuidNamespace: DNS });
    expect((await payloadOf(await signSupabaseJwt(USER_ID, options.supabase))).sub).toBe(await logtoUserUuid(USER_ID, DNS));
  });
});

describe('the two subject modes never share a minted JWT or a bridge', () => {
  it('the JWT cache keeps one entry per mode for the same Logto token', async () => {
    const auth = await verified();
    const [logto, uuid] = await Promise.all([
      cachedSupabaseJwt(auth, resolveSupabaseOptions(supabase())),
      cachedSupabaseJwt(auth, resolveSupabaseOptions(supabase({ subject: 'uuid' }))),
    ]);
    expect((await payloadOf(logto)).sub).toBe(USER_ID);
    expect((await payloadOf(uuid)).sub).toBe(await logtoUserUuid(USER_ID));
  });

  it('adapter options that differ only in subject or namespace get different bridges', () => {
    const options = (jwt: SupabaseOptions['jwt']) => ({ logto: { endpoint: ENDPOINT, audience: AUDIENCE }, supabase: supabase(jwt) });
    const logto = toLogtoSupabase(options({}));
    const uuid = toLogtoSupabase(options({ subject: 'uuid' }));
    const otherNamespace = toLogtoSupabase(options({ subject: 'uuid', uuidNamespace: DNS }));
    expect(new Set([logto, uuid, otherNamespace]).size).toBe(3);
    expect(toLogtoSupabase(options({ subject: 'uuid' }))).toBe(uuid);
  });
});
