/**
 * A Logto-format issuer on loopback for the benchmarks: an ES384 key whose public JWK is served at
 * `/oidc/jwks`, and access tokens shaped like Logto's (`typ: at+jwt`, `jti sub iat exp scope client_id iss aud`).
 * The local stack's Logto stand-in signs only its fixture users; these are 10,000 distinct subjects.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { api, apps, users } from '../../examples/local-stack/src/fixtures.js';

/** What a server process needs to verify the tokens: no private key. */
export interface Fixture {
  endpoint: string;
  issuer: string;
  audience: string;
  publicJwk: JWK;
  tokens: string[];
}

export interface BenchIssuer {
  endpoint: string;
  issuer: string;
  audience: string;
  publicJwk: JWK;
  /** The first `count` tokens, one per user (user 0 is alice, user 1 is bob: they own posts in the local stack). */
  tokens(count: number): Promise<string[]>;
  fixture(count: number): Promise<Fixture>;
  close(): Promise<void>;
}

/** Logto user ids are 12 characters of [0-9a-z]. */
export function subjectOf(index: number): string {
  if (index === 0) return users.alice.id;
  if (index === 1) return users.bob.id;
  return `u${index.toString(36).padStart(11, '0')}`;
}

const signingBatch = 64;

export async function startBenchIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = randomBytes(16).toString('base64url');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
  const body = JSON.stringify({ keys: [publicJwk] });
  const server = createServer((req, res) => {
    if (req.url === '/oidc/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${endpoint}/oidc`;
  const audience = api.resource;

  const issued: string[] = [];
  const sign = (index: number) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'read:posts write:posts', client_id: apps.web.clientId })
      .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt', kid })
      .setJti(randomBytes(16).toString('base64url'))
      .setSubject(subjectOf(index))
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(privateKey);
  };
  // WebCrypto signs on the libuv pool: batches keep both cores busy.
  const tokens = async (count: number) => {
    while (issued.length < count) {
      const start = issued.length;
      const size = Math.min(signingBatch, count - start);
      issued.push(...(await Promise.all(Array.from({ length: size }, (_, i) => sign(start + i)))));
    }
    return issued.slice(0, count);
  };

  return {
    endpoint,
    issuer,
    audience,
    publicJwk,
    tokens,
    fixture: async (count) => ({ endpoint, issuer, audience, publicJwk, tokens: await tokens(count) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
