/**
 * Test tokens in Logto's format: header `{ alg, typ: 'at+jwt', kid }`, claims
 * `jti sub iat exp scope client_id iss aud`, 12-character user ids and 21-character app ids.
 * Shared by every suite that needs a real, signed Logto access token (or a forged one).
 */
import { randomBytes } from 'node:crypto';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { JsonWebKeySet } from '../../src/core/jwks.js';

export const ENDPOINT = 'https://tenant.logto.app';
export const ISSUER = `${ENDPOINT}/oidc`;
export const JWKS_URI = `${ISSUER}/jwks`;
export const AUDIENCE = 'https://api.example.com';
/** A Logto user id: 12 characters of [0-9a-z]. */
export const USER_ID = 'a1ic3x9k2m4p';
/** The SPA or web app a user signed in with: 21 characters. */
export const APP_ID = 'w5xmqx3oq0bq7d8i4vfn2';
/** A machine-to-machine app: its tokens have `sub === client_id`. */
export const M2M_APP_ID = 'm2m9c4lgd0xqh7u1rvp3e';
export const ORG_ID = 'org6y2ghk0w3p8d5tq1za';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';

export interface TestKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public JWK as Logto publishes it: `kty, crv/x/y or n/e, kid, alg, use`. */
  publicJwk: JWK;
  /** The private JWK, with `kid` (what Supabase imports as a signing key). */
  privateJwk: JWK;
}

/** A fresh key pair for `alg`, as a Logto tenant would hold it. */
export async function generateTestKey(alg: SigningAlgorithm = 'ES384', kid = `kid-${randomId(10)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid };
  return { alg, kid, privateKey, publicKey, publicJwk, privateJwk };
}

/** The JWKS a Logto tenant serves for these keys (public parts only). */
export function jwksOf(...keys: TestKey[]): JsonWebKeySet {
  return { keys: keys.map((key) => ({ ...key.publicJwk })) };
}

/** The public key as SPKI PEM: the bytes an algorithm-confusion attacker uses as an HMAC secret. */
export const publicKeyPem = (key: TestKey) => exportSPKI(key.publicKey);

export function randomId(length: number): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export type Claims = Record<string, unknown>;

/**
 * Claims of a Logto user access token for `AUDIENCE`, valid for an hour from now. An override
 * whose value is `undefined` removes that claim.
 */
export function logtoClaims(overrides: Claims = {}): Claims {
  const iat = nowSeconds();
  const claims: Claims = {
    jti: randomId(21),
    sub: USER_ID,
    iat,
    exp: iat + 3600,
    scope: 'read:posts write:posts',
    client_id: APP_ID,
    iss: ISSUER,
    aud: AUDIENCE,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** Claims of a machine-to-machine (client credentials) token: `sub === client_id`. */
export const machineClaims = (overrides: Claims = {}) =>
  logtoClaims({ sub: M2M_APP_ID, client_id: M2M_APP_ID, scope: 'read:posts', ...overrides });

export interface TokenOptions {
  /** Claim overrides (see `logtoClaims`). */
  claims?: Claims;
  /** Header overrides; `undefined` removes a parameter (e.g. `{ kid: undefined }`). */
  header?: Record<string, unknown>;
}

/** A Logto access token signed by `key` with jose's `SignJWT`. */
export async function signToken(key: TestKey, { claims, header = {} }: TokenOptions = {}): Promise<string> {
  const protectedHeader: Record<string, unknown> = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header };
  for (const [name, value] of Object.entries(protectedHeader)) if (value === undefined) delete protectedHeader[name];
  return new SignJWT(logtoClaims(claims))
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

/** Encodes a JSON value, or passes a raw JSON string through (for duplicate keys and `__proto__`). */
export const encodeSegment = (value: unknown) => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));

const signParams: Record<string, AlgorithmIdentifier | RsaPssParams | EcdsaParams> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  ES384: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
  ES512: { name: 'ECDSA', hash: 'SHA-512' } as EcdsaParams,
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  RS384: { name: 'RSASSA-PKCS1-v1_5' },
  RS512: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
  PS384: { name: 'RSA-PSS', saltLength: 48 } as RsaPssParams,
  PS512: { name: 'RSA-PSS', saltLength: 64 } as RsaPssParams,
  HS256: { name: 'HMAC' },
  HS384: { name: 'HMAC' },
  HS512: { name: 'HMAC' },
};

/** An HMAC key over arbitrary bytes, as a confused verifier would build one from a public key. */
export function hmacKey(secret: string | Uint8Array<ArrayBuffer>, hash: 'SHA-256' | 'SHA-384' | 'SHA-512' = 'SHA-256'): Promise<CryptoKey> {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['sign']);
}

/**
 * A compact JWS built by hand, for tokens jose refuses to produce: any header (even `alg: none`),
 * raw JSON strings, unencoded payloads. `signer` says how to really sign, whatever the header
 * claims; without it the signature is empty.
 */
export async function signRaw(
  header: unknown,
  payload: unknown,
  signer?: { alg: string; key: CryptoKey },
  encodedPayload = encodeSegment(payload),
): Promise<string> {
  const input = `${encodeSegment(header)}.${encodedPayload}`;
  if (!signer) return `${input}.`;
  const params = signParams[signer.alg];
  if (!params) throw new Error(`signRaw: no WebCrypto parameters for ${signer.alg}`);
  const signature = await crypto.subtle.sign(params, signer.key, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

/** The default Logto header for `key`, with overrides. */
export const logtoHeader = (key: TestKey, overrides: Record<string, unknown> = {}) => ({
  alg: key.alg,
  typ: 'at+jwt',
  kid: key.kid,
  ...overrides,
});

/** Splits a compact JWS into its decoded header, decoded payload and signature segment. */
export function decodeToken(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const decode = (segment: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload), signature };
}

/** Replaces one segment of a compact JWS (0 header, 1 payload, 2 signature), keeping the others. */
export function replaceSegment(token: string, index: 0 | 1 | 2, segment: string): string {
  const parts = token.split('.');
  parts[index] = segment;
  return parts.join('.');
}

/** A `fetch` serving `jwks` at `JWKS_URI` (404 elsewhere) that records every URL it was asked for. */
export function jwksFetch(jwks: () => JsonWebKeySet | Response): typeof fetch & { urls: string[] } {
  const urls: string[] = [];
  const fetcher = async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    urls.push(url);
    if (url !== JWKS_URI) return new Response('not found', { status: 404 });
    const body = jwks();
    return body instanceof Response ? body : Response.json(body);
  };
  return Object.assign(fetcher as typeof fetch, { urls });
}

const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The other spellings of a base64url segment: its last character with different unused bits.
 * Decoders ignore those bits, so each decodes to the same bytes.
 */
export function nonCanonicalSpellings(segment: string): string[] {
  const unusedBits = { 2: 0b1111, 3: 0b11 }[segment.length % 4 as 2 | 3];
  if (unusedBits === undefined) return [];
  const last = base64urlAlphabet.indexOf(segment.at(-1)!);
  return Array.from({ length: unusedBits + 1 }, (_, bits) => (last & ~unusedBits) | bits)
    .filter((index) => index !== last)
    .map((index) => segment.slice(0, -1) + base64urlAlphabet[index]);
}

/** The order of the P-256 group: (r, n − s) is a second valid ECDSA signature of whatever (r, s) signs. */
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** An ES256 token with its twin signature (r, n − s): the same token, another string. */
export function ecdsaTwin(token: string): string {
  const signature = base64url.decode(token.split('.')[2]!);
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  const twin = Buffer.concat([signature.subarray(0, 32), Buffer.from((p256Order - s).toString(16).padStart(64, '0'), 'hex')]);
  return replaceSegment(token, 2, base64url.encode(twin));
}
