/**
 * What a verifier keeps between calls: the verified-token cache (one entry per token whatever its
 * spelling, never a signature that did not verify, claims no handler can change) and the options
 * verifyLogtoToken reuses (a change to the same object is honoured).
 */
import { describe, expect, it, vi } from 'vitest';
import { freezeClockAt, rejectionOf } from '../helpers/assertions.js';
import { createLogtoVerifier, verifyLogtoToken, type LogtoVerifierOptions } from '../../src/index.js';
import {
  AUDIENCE,
  ecdsaTwin,
  ENDPOINT,
  generateTestKey,
  jwksFetch,
  jwksOf,
  JWKS_URI,
  nowSeconds,
  ORG_ID,
  replaceSegment,
  signToken,
  USER_ID,
} from '../helpers/tokens.js';

const es256Key = await generateTestKey('ES256', 'logto-es256');
const attackerKey = await generateTestKey('ES256', 'logto-es256');
const jwks = jwksOf(es256Key);

const NOW = nowSeconds();
freezeClockAt(NOW);

const options = (overrides: Partial<LogtoVerifierOptions> = {}): LogtoVerifierOptions => ({ endpoint: ENDPOINT, audience: AUDIENCE, jwks, ...overrides });

describe('the verified-token cache: one entry per token, whatever its spelling', () => {
  it('the ECDSA twin (r, n − s) of a cached token verifies and lands on the same entry (the same LogtoAuth)', async () => {
    const verify = createLogtoVerifier(options());
    const token = await signToken(es256Key);
    const twin = ecdsaTwin(token);
    expect(twin).not.toBe(token);
    const first = await verify(token);
    const second = await verify(twin);
    expect(second).toBe(first);
    // Caches keyed on auth.token downstream (user clients, minted JWTs) see one token too.
    expect(second.token).toBe(token);
  });

  it('the twin is verified in full the first time (a signature check), then hits like the token', async () => {
    const verify = createLogtoVerifier(options());
    const token = await signToken(es256Key);
    const twin = ecdsaTwin(token);
    const checks = vi.spyOn(crypto.subtle, 'verify');
    try {
      const counts = [];
      for (const presented of [token, token, twin, twin, token]) {
        checks.mockClear();
        await verify(presented);
        counts.push(checks.mock.calls.length);
      }
      expect(counts).toEqual([1, 0, 1, 0, 0]);
    } finally {
      checks.mockRestore();
    }
  });

  it('never trusts a signature that did not verify, even for a cached signing input', async () => {
    const verify = createLogtoVerifier(options());
    const token = await signToken(es256Key);
    await verify(token);
    const forged = replaceSegment(token, 2, (await signToken(attackerKey, { claims: {} })).split('.')[2]!);
    const error = await rejectionOf(verify(forged));
    expect([error.code, error.reason]).toEqual(['invalid_token', 'signature']);
    // And a refused spelling is not remembered as verified.
    expect(await rejectionOf(verify(forged))).toMatchObject({ reason: 'signature' });
  });

  it('drops a cached token once it is past exp plus the clock tolerance', async () => {
    const verify = createLogtoVerifier(options());
    const token = await signToken(es256Key, { claims: { exp: NOW + 60 } });
    expect((await verify(token)).expiresAt).toBe(NOW + 60);
    vi.setSystemTime((NOW + 64) * 1000);
    expect((await verify(token)).userId).toBe(USER_ID);
    vi.setSystemTime((NOW + 66) * 1000);
    const error = await rejectionOf(verify(token));
    expect([error.code, error.reason, error.status, error.message]).toEqual(['invalid_token', 'expired', 401, 'The access token expired.']);
  });
});

describe('cached claims are frozen all the way down: no handler can change the next request\'s claims', () => {
  it('refuses a push onto a claim array, a change to a nested object, and a new claim', async () => {
    const verify = createLogtoVerifier(options());
    const token = await signToken(es256Key, { claims: { roles: ['editor'], profile: { email: 'alice@example.com' } } });
    const claims = (await verify(token)).claims as unknown as { roles: string[]; profile: { email: string }; admin?: boolean };
    expect(() => claims.roles.push('admin')).toThrow(TypeError);
    expect(() => {
      claims.profile.email = 'mallory@example.com';
    }).toThrow(TypeError);
    expect(() => {
      claims.admin = true;
    }).toThrow(TypeError);
    const next = (await verify(token)).claims;
    expect([next.roles, next.profile, next.admin]).toEqual([['editor'], { email: 'alice@example.com' }, undefined]);
  });

  it('also freezes aud when it is an array', async () => {
    const token = await signToken(es256Key, { claims: { aud: [AUDIENCE, 'https://other.example.com'] } });
    const auth = await createLogtoVerifier(options())(token);
    expect(Object.isFrozen(auth.claims.aud)).toBe(true);
  });
});

describe('verifyLogtoToken honours changes to the same options object', () => {
  it('requiredScopes set after the first call is checked on the next', async () => {
    const shared = options();
    const token = await signToken(es256Key, { claims: { scope: 'read:posts' } });
    await verifyLogtoToken(token, shared);
    shared.requiredScopes = ['delete:posts'];
    const error = await rejectionOf(verifyLogtoToken(token, shared));
    expect([error.code, error.status]).toEqual(['insufficient_scope', 403]);
  });

  it('a scope pushed onto requiredScopes in place is checked on the next call', async () => {
    const shared = options({ requiredScopes: ['read:posts'] });
    const token = await signToken(es256Key, { claims: { scope: 'read:posts' } });
    await verifyLogtoToken(token, shared);
    shared.requiredScopes!.push('delete:posts');
    expect((await rejectionOf(verifyLogtoToken(token, shared))).code).toBe('insufficient_scope');
    shared.requiredScopes!.pop();
    expect((await verifyLogtoToken(token, shared)).scopes).toEqual(['read:posts']);
  });

  it('organizationId set after the first call is checked on the next', async () => {
    const shared = options();
    const token = await signToken(es256Key);
    await verifyLogtoToken(token, shared);
    shared.organizationId = ORG_ID;
    const error = await rejectionOf(verifyLogtoToken(token, shared));
    expect([error.code, error.reason]).toEqual(['invalid_token', 'organization']);
  });

  it('a changed audience re-verifies the token rather than serve it from the cache', async () => {
    const shared = options();
    const token = await signToken(es256Key);
    await verifyLogtoToken(token, shared);
    shared.audience = 'https://other-api.example.com';
    expect((await rejectionOf(verifyLogtoToken(token, shared))).reason).toBe('audience');
  });

  it('a key removed from the static key set in place is no longer trusted', async () => {
    const shared = options({ jwks: jwksOf(es256Key), cache: false });
    const token = await signToken(es256Key);
    await verifyLogtoToken(token, shared);
    shared.jwks!.keys.pop();
    shared.jwks!.keys.push((await generateTestKey('ES256', 'another')).publicJwk);
    expect((await rejectionOf(verifyLogtoToken(token, shared))).reason).toBe('unknown_key');
  });

  it('an invalid change is a configuration error on the next call, naming the option', async () => {
    const shared = options();
    await verifyLogtoToken(await signToken(es256Key), shared);
    shared.clockTolerance = -1;
    await expect(verifyLogtoToken(await signToken(es256Key), shared)).rejects.toMatchObject({ option: 'clockTolerance' });
  });

  it('unchanged options reuse the verifier and its cache: one JWKS request for many calls', async () => {
    const fetch = jwksFetch(() => jwks);
    const shared: LogtoVerifierOptions = { endpoint: ENDPOINT, audience: AUDIENCE, fetch, requiredScopes: ['read:posts'] };
    const token = await signToken(es256Key, { claims: { scope: 'read:posts' } });
    for (let call = 0; call < 5; call += 1) await verifyLogtoToken(token, shared);
    expect(fetch.urls).toEqual([JWKS_URI]);
  });
});
