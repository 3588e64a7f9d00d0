import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apps, organization, users } from '../../examples/local-stack/src/fixtures.js';
import { organizationResource, startLocalLogto, type LocalLogto } from '../../examples/local-stack/src/logto.js';

const LOGTO_CLAIMS = ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub'];

const claimNames = (token: string) => Object.keys(decodeJwt(token)).sort();
const jwks = async (logto: LocalLogto) => (await (await fetch(logto.jwksUri)).json()) as JSONWebKeySet;
const kids = async (logto: LocalLogto) => (await jwks(logto)).keys.map(({ kid }) => kid);
// A fresh key set per call, so no cached JWKS hides a rotation.
const verify = (logto: LocalLogto, token: string, audience: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(logto.jwksUri)), { issuer: logto.issuer, audience, typ: 'at+jwt' });

describe('Logto stand-in', () => {
  let logto: LocalLogto;
  beforeAll(async () => {
    logto = await startLocalLogto();
  });
  afterAll(async () => {
    await logto.stop();
  });

  it('serves discovery and JWKS where Logto does', async () => {
    const discovery = (await (await fetch(`${logto.endpoint}/oidc/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(logto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(`${logto.endpoint}/oidc`);
    expect(discovery.jwks_uri).toBe(`${logto.endpoint}/oidc/jwks`);
    expect(logto.jwksUri).toBe(`${logto.endpoint}/oidc/jwks`);
    const { keys } = await jwks(logto);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(keys[0]?.kid).toMatch(/^[\w-]{16,}$/);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it("issues alice a Logto-format access token through the code + PKCE flow and a refresh grant", async () => {
    const { accessToken, refreshToken } = await logto.signIn('alice');
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'ES384', typ: 'at+jwt', kid: (await kids(logto))[0] });
    expect(claimNames(accessToken)).toEqual(LOGTO_CLAIMS);
    const { payload } = await verify(logto, accessToken, api.resource);
    expect(payload).toMatchObject({
      sub: users.alice.id,
      aud: api.resource,
      scope: 'read:posts write:posts',
      client_id: apps.web.clientId,
      iss: logto.issuer,
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(refreshToken).toMatch(/^[\w-]{20,}$/);
  });

  it('narrows the scope to what was asked for, and keeps an empty scope claim', async () => {
    const narrowed = await logto.signIn('bob', { scope: 'read:posts' });
    expect(decodeJwt(narrowed.accessToken)).toMatchObject({ sub: users.bob.id, scope: 'read:posts' });
    // admin:posts is not granted to users: the claim stays, as "".
    const ungranted = await logto.signIn('alice', { scope: 'admin:posts' });
    expect(decodeJwt(ungranted.accessToken).scope).toBe('');
    expect(claimNames(ungranted.accessToken)).toEqual(LOGTO_CLAIMS);
  });

  it('issues ID tokens without typ (oidc-provider 9, like Logto since its v9 upgrade)', async () => {
    const { idToken } = await logto.signIn('alice');
    const header = decodeProtectedHeader(idToken);
    expect(header).toEqual({ alg: 'ES384', kid: (await kids(logto))[0] });
    expect(header.typ).not.toBe('at+jwt');
    expect(decodeJwt(idToken)).toMatchObject({ sub: users.alice.id, aud: apps.web.clientId, iss: logto.issuer });
  });

  it('issues machine-to-machine tokens with sub === client_id and only the granted scopes', async () => {
    const admin = await logto.clientCredentialsToken('adminJob');
    const { payload, protectedHeader } = await verify(logto, admin, api.resource);
    expect(protectedHeader).toEqual({ alg: 'ES384', typ: 'at+jwt', kid: (await kids(logto))[0] });
    expect(claimNames(admin)).toEqual(LOGTO_CLAIMS);
    expect(payload).toMatchObject({
      sub: apps.adminJob.clientId,
      client_id: apps.adminJob.clientId,
      scope: 'read:posts write:posts admin:posts',
    });
    const reporter = decodeJwt(await logto.clientCredentialsToken('reporter'));
    expect(reporter).toMatchObject({ sub: apps.reporter.clientId, client_id: apps.reporter.clientId, scope: 'read:posts' });
    expect(decodeJwt(await logto.clientCredentialsToken('adminJob', { scope: 'write:posts' })).scope).toBe('write:posts');
  });

  it('rejects unknown resources', async () => {
    await expect(logto.clientCredentialsToken('reporter', { resource: 'https://other.example.com' })).rejects.toThrow(
      /invalid_target/,
    );
    await expect(logto.signIn('alice', { organizationId: 'org0other00000000000' })).rejects.toThrow(/invalid_target/);
    await expect(
      logto.signIn('alice', { organizationId: 'org0other00000000000', resource: api.resource }),
    ).rejects.toThrow(/invalid_target/);
  });

  it('issues organization tokens: organization audience and permissions, no organization_id', async () => {
    const { accessToken } = await logto.signIn('alice', { organizationId: organization.id });
    const { payload } = await verify(logto, accessToken, organizationResource(organization.id));
    expect(claimNames(accessToken)).toEqual(LOGTO_CLAIMS);
    expect(payload).toMatchObject({
      sub: users.alice.id,
      aud: 'urn:logto:organization:org0acme0000000000001',
      scope: 'read:org-posts write:org-posts',
    });
    const bob = await logto.signIn('bob', { organizationId: organization.id });
    expect(decodeJwt(bob.accessToken).scope).toBe('read:org-posts');
  });

  it('issues organization-level API resource tokens: the API audience plus organization_id', async () => {
    const { accessToken } = await logto.signIn('bob', { organizationId: organization.id, resource: api.resource });
    const { payload } = await verify(logto, accessToken, api.resource);
    expect(claimNames(accessToken)).toEqual([...LOGTO_CLAIMS, 'organization_id'].sort());
    expect(payload).toMatchObject({
      sub: users.bob.id,
      aud: api.resource,
      organization_id: organization.id,
      scope: 'read:posts write:posts',
    });
  });

  it('rotates keys like Logto: old tokens verify until the previous key is retired', async () => {
    const [oldKid] = await kids(logto);
    const before = await logto.clientCredentialsToken('reporter');
    const newKid = await logto.rotateKeys();
    expect(await kids(logto)).toEqual([newKid, oldKid]);
    await expect(verify(logto, before, api.resource)).resolves.toBeTruthy();

    const after = await logto.signIn('alice');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect(decodeProtectedHeader(after.idToken).kid).toBe(newKid);
    expect(decodeProtectedHeader(await logto.clientCredentialsToken('adminJob')).kid).toBe(newKid);

    logto.retireOldKeys();
    expect(await kids(logto)).toEqual([newKid]);
    await expect(verify(logto, before, api.resource)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(verify(logto, after.accessToken, api.resource)).resolves.toBeTruthy();
  });

  it('honours accessTokenTtl', async () => {
    const shortLived = await startLocalLogto({ accessTokenTtl: 60 });
    try {
      const { exp = 0, iat = 0 } = decodeJwt(await shortLived.clientCredentialsToken('reporter'));
      expect(exp - iat).toBe(60);
    } finally {
      await shortLived.stop();
    }
  });

  it('stops without leaving handles: a process using it exits on its own', async () => {
    const module = fileURLToPath(new URL('../../examples/local-stack/src/logto.ts', import.meta.url));
    const script = `
      const { startLocalLogto } = await import(${JSON.stringify(module)});
      const logto = await startLocalLogto();
      await logto.signIn('alice');
      await logto.clientCredentialsToken('adminJob');
      await logto.rotateKeys();
      await logto.stop();
      console.log('stopped');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    expect({ code, signal, output: output.trim() }).toEqual({ code: 0, signal: null, output: 'stopped' });
  }, 15_000);
});
