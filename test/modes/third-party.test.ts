/**
 * Both ways to trust Logto in Supabase, against the local stack: minted JWTs (the library signs
 * with the project's secret) and third-party auth (the Supabase stand-in trusts the Logto
 * stand-in's JWKS, as Supabase's custom OIDC provider support does, and the Logto token is
 * forwarded). The same `logto.*` SQL helpers must see the same identity either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogtoSupabase, LogtoSupabaseConfigError, signSupabaseJwt, type LogtoSupabaseOptions } from 'logto-supabase';
import { apps, startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';

const databases = [
  { name: 'PGlite', databaseUrl: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', databaseUrl: process.env.TEST_DATABASE_URL }] : []),
];

const aliceTitles = ["Alice's first post", "Alice's second post"];

describe.each(databases)('trusting Logto in Supabase on $name', ({ databaseUrl }) => {
  let stack: LocalStack;
  let mint: LogtoSupabaseOptions;
  let thirdParty: LogtoSupabaseOptions;

  beforeAll(async () => {
    stack = await startLocalStack({
      thirdParty: true,
      // What the Logto custom access token claims script adds for Supabase third-party auth.
      logto: { customAccessTokenClaims: { role: 'authenticated' } },
      supabase: { databaseUrl },
    });
    mint = stack.options;
    thirdParty = {
      logto: stack.options.logto,
      supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' },
    };
  });
  afterAll(() => stack?.stop());

  const request = (token: string) => new Request('http://api.test/posts', { headers: { authorization: `Bearer ${token}` } });

  it('third-party mode forwards the verified Logto token and RLS gives alice only her rows', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const { supabase } = await createLogtoSupabase(thirdParty).authenticate(request(accessToken));
    const { data, error } = await supabase.from('posts').select('title').order('id');
    expect(error).toBeNull();
    expect(data!.map((post) => post.title)).toEqual(aliceTitles);
  });

  it('the logto.* SQL helpers read the same identity from a minted JWT and from the Logto token', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const seen = await Promise.all(
      [mint, thirdParty].map(async (options) => {
        const { supabase } = await createLogtoSupabase(options).authenticate(request(accessToken));
        const { data, error } = await supabase.rpc('whoami');
        expect(error).toBeNull();
        return data as Record<string, unknown>;
      }),
    );
    expect(seen[0]).toEqual({
      role: 'authenticated',
      user_id: users.alice.id,
      client_id: expect.any(String),
      organization_id: null,
      scopes: ['read:posts', 'write:posts'],
    });
    expect(seen[1]).toEqual(seen[0]);
  });

  it('refuses, before Supabase sees it, a Logto token without role "authenticated", saying what to add in Logto', async () => {
    const plain = await startLocalStack({ supabase: { databaseUrl } });
    try {
      const { accessToken } = await plain.logto.signIn('alice');
      const bridge = createLogtoSupabase({
        logto: plain.options.logto,
        supabase: { url: plain.supabase.url, anonKey: plain.supabase.anonKey, mode: 'third-party' },
      });
      await expect(bridge.authenticate(request(accessToken))).rejects.toMatchObject({
        code: 'invalid_token',
        status: 401,
        message: expect.stringContaining('custom access token claims script in Logto Console'),
      });
    } finally {
      await plain.stop();
    }
  });

  it('an allowlisted service-role machine needs no role claim (its token never reaches Supabase); other tokens without it stay refused', async () => {
    const plain = await startLocalStack({ supabase: { databaseUrl } });
    try {
      const bridge = createLogtoSupabase({
        logto: plain.options.logto,
        supabase: { url: plain.supabase.url, anonKey: plain.supabase.anonKey, serviceRoleKey: plain.supabase.serviceRoleKey, mode: 'third-party' },
        machines: { serviceRole: { clientIds: [apps.adminJob.clientId] } },
      });
      const adminJob = await plain.logto.clientCredentialsToken('adminJob');
      const machine = await bridge.authenticate(request(adminJob));
      expect(machine.access).toBe('service_role');
      const { data, error } = await machine.supabase.from('posts').select('title').order('id');
      expect(error).toBeNull();
      expect(data).toHaveLength(5);

      const refused = { code: 'invalid_token', status: 401, message: expect.stringContaining('custom access token claims script in Logto Console') };
      await expect(bridge.authenticate(request(await plain.logto.clientCredentialsToken('reporter')))).rejects.toMatchObject(refused);
      await expect(bridge.authenticate(request((await plain.logto.signIn('alice')).accessToken))).rejects.toMatchObject(refused);
    } finally {
      await plain.stop();
    }
  });

  it('mints nothing in third-party mode and refuses a signing secret there', async () => {
    await expect(signSupabaseJwt(users.alice.id, thirdParty.supabase)).rejects.toThrow(LogtoSupabaseConfigError);
    expect(() =>
      createLogtoSupabase({ ...thirdParty, supabase: { ...thirdParty.supabase, jwtSecret: stack.supabase.jwtSecret } }),
    ).toThrowError('supabase.jwtSecret: is not used in third-party mode (Supabase trusts Logto\'s own tokens): remove it.');
  });
});
