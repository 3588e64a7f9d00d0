/**
 * verifyLogtoToken against forged and malformed tokens (RFC 8725, JWT attack catalogue), each
 * with the exact error it must produce, first with a static key set, then (where a network is
 * involved) with a cold remote JWKS whose requests are counted. Then the genuine tokens it accepts.
 */
import { describe, expect, it } from 'vitest';
import { freezeClockAt, rejectionOf } from '../helpers/assertions.js';
import {
  verifyLogtoToken,
  type JsonWebKeySet,
  type LogtoAuthErrorCode,
  type LogtoAuthErrorReason,
  type LogtoVerifierOptions,
} from '../../src/index.js';
import {
  APP_ID,
  AUDIENCE,
  ENDPOINT,
  ISSUER,
  JWKS_URI,
  M2M_APP_ID,
  ORG_ID,
  USER_ID,
  decodeToken,
  encodeSegment,
  generateTestKey,
  hmacKey,
  jwksFetch,
  jwksOf,
  logtoClaims,
  logtoHeader,
  machineClaims,
  nonCanonicalSpellings,
  nowSeconds,
  publicKeyPem,
  randomId,
  replaceSegment,
  signRaw,
  signToken,
  type TestKey,
  type TokenOptions,
} from '../helpers/tokens.js';

const tenantKey = await generateTestKey('ES384', 'logto-current');
const attackerKey = await generateTestKey('ES384', 'attacker');
/** Another key that claims the tenant's kid. */
const impostorKey = await generateTestKey('ES384', tenantKey.kid);
const rsaKey = await generateTestKey('RS256', 'logto-rsa');
const es256Key = await generateTestKey('ES256', 'logto-es256');
const es512Key = await generateTestKey('ES512', 'logto-es512');
const ps256Key = await generateTestKey('PS256', 'logto-ps256');
const secondTenantKey = await generateTestKey('ES384', 'logto-next');

const tenantJwks = jwksOf(tenantKey);
const rsaJwks = jwksOf(rsaKey);

/** Time is frozen for the whole file so that expiry edges are exact. */
const NOW = nowSeconds();
freezeClockAt(NOW);

const staticOptions = (overrides: Partial<LogtoVerifierOptions> = {}, jwks: JsonWebKeySet = tenantJwks): LogtoVerifierOptions => ({
  endpoint: ENDPOINT,
  audience: AUDIENCE,
  jwks,
  ...overrides,
});


const signed = (key: TestKey, options: TokenOptions = {}) => () => signToken(key, options);
const tenant = (options: TokenOptions = {}) => signed(tenantKey, options);
/** The tenant's key signing a hand-built header and payload. */
const tenantRaw = (header: unknown, payload: unknown) => () => signRaw(header, payload, { alg: 'ES384', key: tenantKey.privateKey });
const unsigned = (header: unknown) => () => signRaw(header, logtoClaims());

type Refusal = readonly [LogtoAuthErrorReason, string];

/** Each refusal: the reason programs switch on, and the message people read. */
const refusal = {
  alg: (alg?: string): Refusal => ['algorithm', `The token's signing algorithm${alg === undefined ? '' : ` "${alg}"`} is not allowed.`],
  typ: ['typ', 'The token is not an access token (its "typ" is not "at+jwt"); an ID token cannot be used here.'],
  signature: ['signature', 'The token signature is not valid.'],
  unknownKid: ['unknown_key', 'The token was signed with a key ("kid") that the issuer does not publish.'],
  ambiguousKey: ['unknown_key', 'The token has no "kid" and the key set has several matching keys.'],
  unsupported: ['malformed', 'The token uses an unsupported JWS feature.'],
  malformed: ['malformed', 'The access token is malformed.'],
  issuer: ['issuer', 'The token was issued by another issuer.'],
  audience: ['audience', 'The token is for another audience (API resource).'],
  expired: ['expired', 'The access token expired.'],
  notYetValid: ['not_yet_valid', 'The token is not valid yet ("nbf").'],
  iatInFuture: ['not_yet_valid', 'The token was issued in the future ("iat").'],
  nbfInvalid: ['claims', 'The token\'s "nbf" claim is not valid.'],
  iatInvalid: ['claims', 'The token\'s "iat" is not valid.'],
  exp: ['claims', 'The token has no valid expiry ("exp").'],
  sub: ['claims', 'The token has no subject ("sub").'],
  clientId: ['claims', 'The token has no "client_id".'],
  scope: ['claims', 'The token\'s "scope" is not a string.'],
  organizationIdClaim: ['claims', 'The token\'s "organization_id" is not a string.'],
  opaque:
    ['malformed', 'The access token is not a JWT. Request it for an API resource (a "resource" indicator): without one, Logto issues an opaque token that only /oidc/me accepts.'],
  notCompact: ['malformed', 'The access token is not a compact JWS (three dot-separated parts).'],
  header: ['malformed', 'The access token header is not valid base64url-encoded JSON.'],
  notBase64url: ['malformed', 'The access token contains characters outside base64url.'],
  notCanonical: ['malformed', 'The access token is not canonical base64url.'],
  empty: ['malformed', 'The access token is empty.'],
  tooLarge: ['too_large', 'The access token is larger than 16 KiB.'],
  organization: ['organization', 'The token is not for this organization.'],
} as const;

const scopeMessage = (missing: string) => `The token lacks the required scope(s): ${missing}.`;

interface BadToken {
  name: string;
  token: () => Promise<string> | string;
  code: LogtoAuthErrorCode;
  /** Set for every invalid_token; insufficient_scope has none. */
  reason: LogtoAuthErrorReason | undefined;
  status: number;
  message: string;
  /** The key set the tenant publishes (default: its ES384 key). */
  jwks?: JsonWebKeySet;
  options?: Partial<LogtoVerifierOptions>;
  /** JWKS requests a cold remote verifier must make for this token; omitted: static key set only. */
  fetches?: 0 | 1;
}

const invalid = (name: string, token: BadToken['token'], [reason, text]: Refusal, extra: Partial<BadToken> = {}): BadToken => ({
  name,
  token,
  code: 'invalid_token',
  reason,
  status: 401,
  message: text,
  ...extra,
});

/** A genuine token with segment `index` spelled with stray bits in its last character. */
const misspelled = (key: TestKey, index: 0 | 1 | 2) => async () => {
  for (let pad = ''; ; pad += 'x') {
    const token = await signToken(key, { header: { pad }, claims: { pad } });
    const [spelling] = nonCanonicalSpellings(token.split('.')[index]!);
    if (spelling) return replaceSegment(token, index, spelling);
  }
};

const attackerJwk = attackerKey.publicJwk;
const oversizedClaim = 'x'.repeat(17 * 1024);

const badTokens: BadToken[] = [
  // alg "none" and algorithm confusion (RFC 8725 §2.1, §3.1)
  invalid('alg "none": an unsigned token is never accepted', unsigned(logtoHeader(tenantKey, { alg: 'none' })), refusal.alg('none'), { fetches: 0 }),
  invalid('alg "None" (capitalised none)', unsigned(logtoHeader(tenantKey, { alg: 'None' })), refusal.alg('None'), { fetches: 0 }),
  invalid('alg "NONE" (upper-case none)', unsigned(logtoHeader(tenantKey, { alg: 'NONE' })), refusal.alg('NONE')),
  invalid('alg "nOnE" (mixed-case none)', unsigned(logtoHeader(tenantKey, { alg: 'nOnE' })), refusal.alg('nOnE')),
  invalid(
    'alg "none" keeping a genuine signature of the tenant',
    async () => {
      const genuine = await signToken(tenantKey);
      return replaceSegment(genuine, 0, encodeSegment(logtoHeader(tenantKey, { alg: 'none' })));
    },
    refusal.alg('none'),
  ),
  invalid('a header without alg', unsigned({ typ: 'at+jwt', kid: tenantKey.kid }), refusal.alg()),
  invalid('an alg that is not a name (and is not echoed in the message)', unsigned(logtoHeader(tenantKey, { alg: '<script>alert(1)</script>' })), refusal.alg()),
  invalid(
    'HS256 signed with the EC public key PEM as HMAC secret (algorithm confusion)',
    async () => signRaw(logtoHeader(tenantKey, { alg: 'HS256' }), logtoClaims(), { alg: 'HS256', key: await hmacKey(await publicKeyPem(tenantKey)) }),
    refusal.alg('HS256'),
    { fetches: 0 },
  ),
  invalid(
    'HS256 signed with the EC public JWK JSON as HMAC secret (algorithm confusion)',
    async () =>
      signRaw(logtoHeader(tenantKey, { alg: 'HS256' }), logtoClaims(), { alg: 'HS256', key: await hmacKey(JSON.stringify(tenantKey.publicJwk)) }),
    refusal.alg('HS256'),
  ),
  invalid(
    'HS256 signed with the RSA public key PEM as HMAC secret (algorithm confusion)',
    async () => signRaw(logtoHeader(rsaKey, { alg: 'HS256' }), logtoClaims(), { alg: 'HS256', key: await hmacKey(await publicKeyPem(rsaKey)) }),
    refusal.alg('HS256'),
    { jwks: rsaJwks, fetches: 0 },
  ),
  invalid(
    'HS512 signed with the RSA public key PEM as HMAC secret (algorithm confusion)',
    async () =>
      signRaw(logtoHeader(rsaKey, { alg: 'HS512' }), logtoClaims(), { alg: 'HS512', key: await hmacKey(await publicKeyPem(rsaKey), 'SHA-512') }),
    refusal.alg('HS512'),
    { jwks: rsaJwks },
  ),
  invalid(
    'a Supabase-style HS256 JWT (typ JWT, role authenticated, project secret)',
    async () =>
      signRaw(
        { alg: 'HS256', typ: 'JWT' },
        { sub: USER_ID, role: 'authenticated', aud: 'authenticated', iat: NOW, exp: NOW + 3600 },
        { alg: 'HS256', key: await hmacKey('super-secret-jwt-token-with-at-least-32-characters-long') },
      ),
    refusal.alg('HS256'),
    { fetches: 0 },
  ),

  // kid lookups and injected keys (RFC 8725 §3.10)
  invalid('an unknown kid, signed by an attacker key', signed(attackerKey), refusal.unknownKid, { fetches: 1 }),
  invalid('kid path traversal "../../etc/passwd"', signed(attackerKey, { header: { kid: '../../etc/passwd' } }), refusal.unknownKid, { fetches: 1 }),
  invalid('kid SQL injection "\' OR 1=1 --"', signed(attackerKey, { header: { kid: "' OR 1=1 --" } }), refusal.unknownKid, { fetches: 1 }),
  invalid('a 5000-character kid', signed(attackerKey, { header: { kid: 'k'.repeat(5000) } }), refusal.unknownKid),
  invalid('a kid that is a number', signed(attackerKey, { header: { kid: 1 } }), refusal.unknownKid),
  invalid('no kid, signed by an attacker key: the one fitting tenant key is tried', signed(attackerKey, { header: { kid: undefined } }), refusal.signature, {
    fetches: 1,
  }),
  invalid('no kid while several tenant keys fit: ambiguous', signed(tenantKey, { header: { kid: undefined } }), refusal.ambiguousKey, {
    jwks: jwksOf(tenantKey, secondTenantKey),
  }),
  invalid('an embedded "jwk" header of the attacker key, with its kid', signed(attackerKey, { header: { jwk: attackerJwk } }), refusal.unknownKid, {
    fetches: 1,
  }),
  invalid(
    'an embedded "jwk" header of the attacker key, with the tenant kid',
    signed(attackerKey, { header: { jwk: attackerJwk, kid: tenantKey.kid } }),
    refusal.signature,
    { fetches: 1 },
  ),
  invalid('a "jku" header pointing at an attacker key set', signed(attackerKey, { header: { jku: 'https://attacker.example/jwks.json' } }), refusal.unknownKid, {
    fetches: 1,
  }),
  invalid(
    'a "jku" header pointing at an attacker key set, with the tenant kid',
    signed(attackerKey, { header: { jku: 'https://attacker.example/jwks.json', kid: tenantKey.kid } }),
    refusal.signature,
    { fetches: 1 },
  ),
  invalid('an "x5u" header pointing at an attacker certificate', signed(attackerKey, { header: { x5u: 'https://attacker.example/cert.pem' } }), refusal.unknownKid, {
    fetches: 1,
  }),
  invalid(
    'an "x5c" header carrying an attacker certificate, with the tenant kid',
    signed(attackerKey, { header: { x5c: [Buffer.from('attacker certificate').toString('base64')], kid: tenantKey.kid } }),
    refusal.signature,
    { fetches: 1 },
  ),

  // JWS extensions
  invalid('"crit" naming an unknown extension', tenantRaw(logtoHeader(tenantKey, { crit: ['urn:attacker:ext'], 'urn:attacker:ext': true }), logtoClaims()), refusal.unsupported, {
    fetches: 0,
  }),
  invalid('"crit" that is an empty array', tenantRaw(logtoHeader(tenantKey, { crit: [] }), logtoClaims()), refusal.malformed),
  invalid(
    '"b64": false (an unencoded payload), even correctly signed',
    async () => {
      const header = logtoHeader(tenantKey, { b64: false, crit: ['b64'] });
      return signRaw(header, null, { alg: 'ES384', key: tenantKey.privateKey }, encodeSegment(logtoClaims()));
    },
    refusal.malformed,
    { fetches: 1 },
  ),

  // tampering and signatures
  invalid(
    'a tampered payload (sub changed to another user)',
    async () => {
      const token = await signToken(tenantKey);
      return replaceSegment(token, 1, encodeSegment({ ...decodeToken(token).payload, sub: 'zzzzzzzzzzzz' }));
    },
    refusal.signature,
    { fetches: 1 },
  ),
  invalid(
    'a tampered payload (scope escalated)',
    async () => {
      const token = await signToken(tenantKey, { claims: { scope: 'read:posts' } });
      return replaceSegment(token, 1, encodeSegment({ ...decodeToken(token).payload, scope: 'read:posts admin' }));
    },
    refusal.signature,
  ),
  invalid(
    'a tampered header (an extra parameter)',
    async () => {
      const token = await signToken(tenantKey);
      return replaceSegment(token, 0, encodeSegment({ ...decodeToken(token).header, cty: 'at+jwt' }));
    },
    refusal.signature,
  ),
  invalid('a signature from another key claiming the same kid', signed(impostorKey), refusal.signature, { fetches: 1 }),
  invalid('the signature stripped (trailing dot kept)', async () => replaceSegment(await signToken(tenantKey), 2, ''), refusal.signature, { fetches: 1 }),
  invalid(
    'a signature of all zeros (ECDSA r = s = 0, CVE-2022-21449)',
    async () => replaceSegment(await signToken(tenantKey), 2, encodeSegment(new TextDecoder('latin1').decode(new Uint8Array(96)))),
    refusal.signature,
  ),
  invalid(
    'a signature with one byte flipped',
    async () => {
      const token = await signToken(tenantKey);
      const signature = token.split('.')[2]!;
      const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      return replaceSegment(token, 2, flipped);
    },
    refusal.signature,
  ),

  // issuer and audience
  invalid('a wrong issuer', tenant({ claims: { iss: 'https://evil.example/oidc' } }), refusal.issuer, { fetches: 1 }),
  invalid("another tenant's issuer", tenant({ claims: { iss: 'https://other-tenant.logto.app/oidc' } }), refusal.issuer),
  invalid('the issuer with a trailing slash (issuers compare exactly)', tenant({ claims: { iss: `${ISSUER}/` } }), refusal.issuer),
  invalid('the endpoint instead of the issuer (no /oidc)', tenant({ claims: { iss: ENDPOINT } }), refusal.issuer),
  invalid('a token without issuer', tenant({ claims: { iss: undefined } }), refusal.issuer),
  invalid('a wrong audience', tenant({ claims: { aud: 'https://other-api.example.com' } }), refusal.audience, { fetches: 1 }),
  invalid('a token without audience', tenant({ claims: { aud: undefined } }), refusal.audience),
  invalid(
    'an organization token (aud urn:logto:organization:…) where an API resource is expected',
    tenant({ claims: { aud: `urn:logto:organization:${ORG_ID}` } }),
    refusal.audience,
  ),

  // typ (RFC 9068 §4, RFC 8725 §3.11)
  invalid('typ "JWT": an ID token is not an access token', tenant({ header: { typ: 'JWT' } }), refusal.typ, { fetches: 0 }),
  invalid('a token without typ', tenant({ header: { typ: undefined } }), refusal.typ, { fetches: 0 }),
  invalid('typ "application/jwt" (a plain JWT)', tenant({ header: { typ: 'application/jwt' } }), refusal.typ),
  invalid('typ "dpop+jwt": a DPoP proof is not an access token', tenant({ header: { typ: 'dpop+jwt' } }), refusal.typ),
  invalid('typ "logout+jwt": a logout token is not an access token', tenant({ header: { typ: 'logout+jwt' } }), refusal.typ),
  invalid('a typ that is not a string', tenant({ header: { typ: 1 } }), refusal.typ),

  // time claims (clock tolerance 5 s)
  invalid('a token expired an hour ago', tenant({ claims: { iat: NOW - 7200, exp: NOW - 3600 } }), refusal.expired, { fetches: 1 }),
  invalid('a token expired exactly at the tolerance edge (exp = now - 5): exp is the first invalid instant', tenant({ claims: { exp: NOW - 5 } }), refusal.expired),
  invalid('a token expired one second past the tolerance (exp = now - 6)', tenant({ claims: { exp: NOW - 6 } }), refusal.expired),
  invalid('a token not valid yet (nbf a minute ahead)', tenant({ claims: { nbf: NOW + 60 } }), refusal.notYetValid),
  invalid('a token not valid yet (nbf one second past the tolerance)', tenant({ claims: { nbf: NOW + 6 } }), refusal.notYetValid),
  invalid('an nbf that is a string', tenant({ claims: { nbf: String(NOW) } }), refusal.nbfInvalid),
  invalid('an iat a minute in the future', tenant({ claims: { iat: NOW + 60 } }), refusal.iatInFuture),
  invalid('an iat that is a string', tenant({ claims: { iat: String(NOW) } }), refusal.iatInvalid),
  invalid('a token without exp (RFC 9068 requires it)', tenant({ claims: { exp: undefined } }), refusal.exp, { fetches: 1 }),
  invalid('an exp that is a string', tenant({ claims: { exp: String(NOW + 3600) } }), refusal.exp),
  invalid('an exp that is null', tenant({ claims: { exp: null } }), refusal.exp),

  // subject, client and scope claims
  invalid('a token without sub', tenant({ claims: { sub: undefined } }), refusal.sub, { fetches: 1 }),
  invalid('an empty sub', tenant({ claims: { sub: '' } }), refusal.sub),
  invalid('a sub that is a number', tenant({ claims: { sub: 123456789012 } }), refusal.sub),
  invalid('a token without client_id', tenant({ claims: { client_id: undefined } }), refusal.clientId),
  invalid('an empty client_id', tenant({ claims: { client_id: '' } }), refusal.clientId),
  invalid('a scope that is an array', tenant({ claims: { scope: ['read:posts'] } }), refusal.scope),
  invalid('a scope that is a number', tenant({ claims: { scope: 1 } }), refusal.scope),
  invalid('an organization_id that is not a string', tenant({ claims: { organization_id: { id: ORG_ID } } }), refusal.organizationIdClaim),

  // shape of the token
  invalid('an opaque token (43 random characters, no dots)', () => randomId(43), refusal.opaque, { fetches: 0 }),
  invalid('two segments', async () => (await signToken(tenantKey)).split('.').slice(0, 2).join('.'), refusal.notCompact, { fetches: 0 }),
  invalid('four segments', async () => `${await signToken(tenantKey)}.extra`, refusal.notCompact),
  invalid('five segments (a JWE, an encrypted token)', () => 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', refusal.notCompact),
  invalid('an empty string', () => '', refusal.empty, { fetches: 0 }),
  invalid('whitespace only', () => '   ', refusal.notBase64url, { fetches: 0 }),
  invalid('a header that is not base64url', () => '!!!.eyJzdWIiOiJ4In0.c2ln', refusal.notBase64url, { fetches: 0 }),
  invalid('a genuine token with a trailing newline (decoders would skip it)', async () => `${await signToken(tenantKey)}\n`, refusal.notBase64url, {
    fetches: 0,
  }),
  invalid('a genuine token in standard base64 padding form ("=")', async () => `${await signToken(tenantKey)}==`, refusal.notBase64url),
  invalid('a signature whose last base64url character carries non-zero unused bits (RS256)', misspelled(rsaKey, 2), refusal.notCanonical, {
    jwks: rsaJwks,
    fetches: 0,
  }),
  invalid('a signature whose last base64url character carries non-zero unused bits (ES256)', misspelled(es256Key, 2), refusal.notCanonical, {
    jwks: jwksOf(es256Key),
  }),
  invalid('a header whose last base64url character carries non-zero unused bits', misspelled(tenantKey, 0), refusal.notCanonical, { fetches: 0 }),
  invalid('a payload whose last base64url character carries non-zero unused bits', misspelled(tenantKey, 1), refusal.notCanonical),
  invalid('a segment whose length is 1 mod 4 (no byte string has it)', async () => replaceSegment(await signToken(tenantKey), 2, 'AAAAA'), refusal.notCanonical),
  invalid('a header that is a JSON array', unsigned(['ES384', 'at+jwt']), refusal.header),
  invalid('a header that is not JSON', () => `${encodeSegment('{"alg":"ES384"')}.e30.c2ln`, refusal.header),
  invalid('a payload that is not JSON (signed)', tenantRaw(logtoHeader(tenantKey), '{"sub":'), refusal.malformed),
  invalid('a payload that is a JSON array (signed)', tenantRaw(logtoHeader(tenantKey), JSON.stringify([logtoClaims()])), refusal.malformed),
  invalid(
    'a payload whose only sub is inside a "__proto__" member: __proto__ supplies no claims',
    () => {
      const { sub, ...claims } = logtoClaims();
      return tenantRaw(logtoHeader(tenantKey), `{"__proto__":{"sub":"${String(sub)}"},${JSON.stringify(claims).slice(1)}`)();
    },
    refusal.sub,
  ),
  invalid(
    'a header whose only alg is inside a "__proto__" member: __proto__ supplies no parameters',
    () => signRaw(`{"__proto__":{"alg":"ES384"},"typ":"at+jwt","kid":"${tenantKey.kid}"}`, logtoClaims()),
    refusal.alg(),
  ),
  invalid(
    'duplicate header keys: the last "alg" (none) is the one read',
    () => signRaw(`{"alg":"ES384","typ":"at+jwt","kid":"${tenantKey.kid}","alg":"none"}`, logtoClaims()),
    refusal.alg('none'),
  ),
  invalid(
    'duplicate header keys: the last "typ" (JWT) is the one read',
    tenantRaw(`{"alg":"ES384","typ":"at+jwt","kid":"${tenantKey.kid}","typ":"JWT"}`, logtoClaims()),
    refusal.typ,
  ),
  invalid(
    'a nested JWT as the payload (cty "JWT")',
    async () => tenantRaw(logtoHeader(tenantKey, { cty: 'JWT' }), await signToken(tenantKey))(),
    refusal.malformed,
    { fetches: 1 },
  ),
  invalid('a token over 16 KiB (a signed one, with a huge claim)', tenant({ claims: { padding: oversizedClaim } }), refusal.tooLarge, { fetches: 0 }),
  invalid('a token over 16 KiB that is not even parseable: size is checked first', () => `${'!'.repeat(16 * 1024)}.x.y`, refusal.tooLarge, {
    fetches: 0,
  }),

  // algorithms and key types
  invalid('an ES384 signature whose header says ES256', tenantRaw(logtoHeader(tenantKey, { alg: 'ES256' }), logtoClaims()), refusal.unknownKid, { fetches: 1 }),
  invalid('an ES384 signature whose header says ES512', tenantRaw(logtoHeader(tenantKey, { alg: 'ES512' }), logtoClaims()), refusal.unknownKid),
  invalid('an RS256 token against an EC-only key set', signed(rsaKey), refusal.unknownKid, { fetches: 1 }),
  invalid('an RS256 token naming the kid of an EC key', signed(rsaKey, { header: { kid: tenantKey.kid } }), refusal.unknownKid),
  invalid('PS256 against an RSA key published for RS256 only ("alg" of the JWK)', () => signRaw(logtoHeader(rsaKey, { alg: 'PS256' }), logtoClaims(), { alg: 'RS256', key: rsaKey.privateKey }), refusal.unknownKid, {
    jwks: rsaJwks,
  }),
  invalid('an RS256 token when algorithms is restricted to ES384', signed(rsaKey), refusal.alg('RS256'), {
    jwks: jwksOf(tenantKey, rsaKey),
    options: { algorithms: ['ES384'] },
    fetches: 0,
  }),

  // authorization: organization and scopes
  invalid('a token for another organization (organizationId option)', tenant({ claims: { organization_id: 'org-other-0000000000' } }), refusal.organization, {
    options: { organizationId: ORG_ID },
    fetches: 1,
  }),
  invalid('a token for no organization when organizationId is required', tenant(), refusal.organization, { options: { organizationId: ORG_ID } }),
  {
    name: 'a token without a required scope: 403',
    token: tenant({ claims: { scope: 'read:posts' } }),
    code: 'insufficient_scope',
    reason: undefined,
    status: 403,
    message: scopeMessage('delete:posts'),
    options: { requiredScopes: ['read:posts', 'delete:posts'] },
    fetches: 1,
  },
  {
    name: 'a scope that is only a substring of a held scope ("read" vs "read:posts"): 403',
    token: tenant({ claims: { scope: 'read:posts' } }),
    code: 'insufficient_scope',
    reason: undefined,
    status: 403,
    message: scopeMessage('read'),
    options: { requiredScopes: ['read'] },
  },
  {
    name: 'a scope that differs in case ("READ:posts"): 403',
    token: tenant({ claims: { scope: 'READ:posts' } }),
    code: 'insufficient_scope',
    reason: undefined,
    status: 403,
    message: scopeMessage('read:posts'),
    options: { requiredScopes: ['read:posts'] },
  },
  {
    name: 'a token with an empty scope: 403',
    token: tenant({ claims: { scope: '' } }),
    code: 'insufficient_scope',
    reason: undefined,
    status: 403,
    message: scopeMessage('read:posts'),
    options: { requiredScopes: ['read:posts'] },
  },
];

describe('verifyLogtoToken refuses forged and malformed tokens (static key set)', () => {
  it('covers at least 60 cases', () => {
    expect(badTokens.length).toBeGreaterThanOrEqual(60);
  });

  it.each(badTokens.map((bad) => [bad.name, bad] as const))('refuses %s', async (_name, bad) => {
    const token = await bad.token();
    const error = await rejectionOf(verifyLogtoToken(token, staticOptions(bad.options, bad.jwks)));
    expect({ code: error.code, reason: error.reason, status: error.status, message: error.message }).toEqual({
      code: bad.code,
      reason: bad.reason,
      status: bad.status,
      message: bad.message,
    });
  });
});

describe('verifyLogtoToken refuses the same tokens with a remote JWKS, fetching only the tenant key set', () => {
  const remote = badTokens.filter((bad) => bad.fetches !== undefined);

  it('runs a sizeable subset remotely', () => {
    expect(remote.length).toBeGreaterThanOrEqual(30);
  });

  it.each(remote.map((bad) => [bad.name, bad] as const))('refuses %s', async (_name, bad) => {
    const fetch = jwksFetch(() => bad.jwks ?? tenantJwks);
    const token = await bad.token();
    const error = await rejectionOf(verifyLogtoToken(token, { endpoint: ENDPOINT, audience: AUDIENCE, fetch, ...bad.options }));
    expect({ code: error.code, reason: error.reason, status: error.status, message: error.message }).toEqual({
      code: bad.code,
      reason: bad.reason,
      status: bad.status,
      message: bad.message,
    });
    // Never the jku/x5u/jwk of the token, and nothing at all for what fails before the signature.
    expect(fetch.urls).toEqual(Array.from({ length: bad.fetches! }, () => JWKS_URI));
  });
});

describe('one spelling per token: a signature verifies only in canonical base64url', () => {
  it.each([
    ['RS256', 15, rsaKey],
    ['ES256', 15, es256Key],
  ] as const)('refuses each of the %s signature\'s %i other spellings, and accepts the genuine one', async (_alg, count, key) => {
    const options = staticOptions({ cache: false }, jwksOf(key));
    const token = await signToken(key);
    const spellings = nonCanonicalSpellings(token.split('.')[2]!);
    expect(spellings).toHaveLength(count);
    for (const spelling of spellings) {
      const error = await rejectionOf(verifyLogtoToken(replaceSegment(token, 2, spelling), options));
      expect([error.code, error.reason, error.message]).toEqual(['invalid_token', ...refusal.notCanonical]);
    }
    expect((await verifyLogtoToken(token, options)).token).toBe(token);
  });
});

describe('a refused token is answered with RFC 6750 headers', () => {
  it('sends WWW-Authenticate with error="invalid_token" for a bad signature', async () => {
    const error = await rejectionOf(verifyLogtoToken(await signToken(impostorKey), staticOptions()));
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="The token signature is not valid."',
    });
  });

  it('sends scope="…" naming every required scope for a missing one (403)', async () => {
    const token = await signToken(tenantKey, { claims: { scope: 'read:posts' } });
    const error = await rejectionOf(verifyLogtoToken(token, staticOptions({ requiredScopes: ['read:posts', 'delete:posts'] })));
    expect(error.status).toBe(403);
    expect(error.headers['WWW-Authenticate']).toContain('scope="read:posts delete:posts"');
    expect(error.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
  });

  it('never puts the token in the message or headers', async () => {
    const token = await signToken(tenantKey, { claims: { exp: NOW - 60 } });
    const error = await rejectionOf(verifyLogtoToken(token, staticOptions()));
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error.headers)).not.toContain(token.split('.')[1]);
  });
});

describe('a "__proto__" claim does not pollute prototypes', () => {
  it('leaves Object.prototype untouched after verifying such a token', async () => {
    const claims = logtoClaims();
    const payload = `{"__proto__":{"polluted":true,"isAdmin":true},${JSON.stringify(claims).slice(1)}`;
    const auth = await verifyLogtoToken(await tenantRaw(logtoHeader(tenantKey), payload)(), staticOptions());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((auth.claims as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(auth.userId).toBe(USER_ID);
  });
});

describe('verifyLogtoToken accepts genuine Logto access tokens', () => {
  it('a user token: userId is sub, scopes split on spaces, no organization', async () => {
    const token = await signToken(tenantKey);
    const auth = await verifyLogtoToken(token, staticOptions());
    expect(auth).toEqual({
      token,
      claims: decodeToken(token).payload,
      subject: USER_ID,
      userId: USER_ID,
      clientId: APP_ID,
      isMachine: false,
      scopes: ['read:posts', 'write:posts'],
      organizationId: null,
      expiresAt: NOW + 3600,
    });
  });

  it('a machine-to-machine token (sub === client_id): isMachine, userId null', async () => {
    const token = await signToken(tenantKey, { claims: machineClaims() });
    const auth = await verifyLogtoToken(token, staticOptions());
    expect({ subject: auth.subject, userId: auth.userId, clientId: auth.clientId, isMachine: auth.isMachine, scopes: auth.scopes }).toEqual({
      subject: M2M_APP_ID,
      userId: null,
      clientId: M2M_APP_ID,
      isMachine: true,
      scopes: ['read:posts'],
    });
  });

  it('an organization token: aud urn:logto:organization:<id> gives organizationId', async () => {
    const audience = `urn:logto:organization:${ORG_ID}`;
    const token = await signToken(tenantKey, { claims: { aud: audience, scope: 'invite:member' } });
    const auth = await verifyLogtoToken(token, staticOptions({ audience, organizationId: ORG_ID }));
    expect(auth.organizationId).toBe(ORG_ID);
    expect(auth.scopes).toEqual(['invite:member']);
  });

  it('an organization-level API token: the organization_id claim gives organizationId', async () => {
    const token = await signToken(tenantKey, { claims: { organization_id: ORG_ID } });
    const auth = await verifyLogtoToken(token, staticOptions({ organizationId: ORG_ID }));
    expect(auth.organizationId).toBe(ORG_ID);
  });

  it('a custom domain: both issuers of the list are accepted, a third is refused', async () => {
    const issuer = [ISSUER, 'https://auth.example.com/oidc'];
    const options = staticOptions({ issuer });
    for (const iss of issuer) {
      const auth = await verifyLogtoToken(await signToken(tenantKey, { claims: { iss } }), options);
      expect(auth.claims.iss).toBe(iss);
    }
    const error = await rejectionOf(verifyLogtoToken(await signToken(tenantKey, { claims: { iss: 'https://login.example.org/oidc' } }), options));
    expect([error.code, error.reason, error.message]).toEqual(['invalid_token', ...refusal.issuer]);
  });

  it('an endpoint with a trailing slash derives the same issuer', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey), staticOptions({ endpoint: `${ENDPOINT}/` }));
    expect(auth.subject).toBe(USER_ID);
  });

  it('an aud array holding ours and another API: accepted, since RFC 7519 §4.1.3 only asks that one value identifies us', async () => {
    const token = await signToken(tenantKey, { claims: { aud: ['https://other-api.example.com', AUDIENCE] } });
    const auth = await verifyLogtoToken(token, staticOptions());
    expect(auth.claims.aud).toEqual(['https://other-api.example.com', AUDIENCE]);
  });

  it('typ "application/at+jwt": RFC 9068 allows the full media-type form', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { header: { typ: 'application/at+jwt' } }), staticOptions());
    expect(auth.userId).toBe(USER_ID);
  });

  it('typ "AT+JWT": media types compare case-insensitively', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { header: { typ: 'AT+JWT' } }), staticOptions());
    expect(auth.userId).toBe(USER_ID);
  });

  it('a token expired within the clock tolerance (exp = now - 4)', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { claims: { exp: NOW - 4 } }), staticOptions());
    expect(auth.expiresAt).toBe(NOW - 4);
  });

  it('a token expired beyond the default tolerance when clockTolerance is larger', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { claims: { exp: NOW - 20 } }), staticOptions({ clockTolerance: 30 }));
    expect(auth.expiresAt).toBe(NOW - 20);
  });

  it('nbf and iat within the clock tolerance (now + 5)', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { claims: { nbf: NOW + 5, iat: NOW + 5 } }), staticOptions());
    expect(auth.userId).toBe(USER_ID);
  });

  it.each([
    ['ES256', es256Key],
    ['ES384', tenantKey],
    ['ES512', es512Key],
    ['RS256', rsaKey],
    ['PS256', ps256Key],
  ] as const)('a token signed with %s by a published key', async (_alg, key) => {
    const auth = await verifyLogtoToken(await signToken(key), staticOptions({}, jwksOf(tenantKey, es256Key, es512Key, rsaKey, ps256Key)));
    expect(auth.subject).toBe(USER_ID);
  });

  it('a token without kid when exactly one published key fits its alg', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { header: { kid: undefined } }), staticOptions());
    expect(auth.subject).toBe(USER_ID);
  });

  it('an ES384 token when algorithms is restricted to ES384', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey), staticOptions({ algorithms: ['ES384'] }));
    expect(auth.subject).toBe(USER_ID);
  });

  it('duplicate claim names: the lexically last is read (RFC 7519 §4), as the signer meant', async () => {
    const claims = logtoClaims();
    const payload = `{"sub":"zzzzzzzzzzzz",${JSON.stringify(claims).slice(1)}`;
    const auth = await verifyLogtoToken(await tenantRaw(logtoHeader(tenantKey), payload)(), staticOptions());
    expect(auth.subject).toBe(USER_ID);
  });

  it('a token holding every required scope, among others', async () => {
    const token = await signToken(tenantKey, { claims: { scope: 'read:posts write:posts admin' } });
    const auth = await verifyLogtoToken(token, staticOptions({ requiredScopes: ['write:posts', 'read:posts'] }));
    expect(auth.scopes).toEqual(['read:posts', 'write:posts', 'admin']);
  });

  it('an empty scope gives no scopes', async () => {
    const auth = await verifyLogtoToken(await signToken(tenantKey, { claims: { scope: '' } }), staticOptions());
    expect(auth.scopes).toEqual([]);
  });

  it('a user token through a remote JWKS, with one request', async () => {
    const fetch = jwksFetch(() => tenantJwks);
    const auth = await verifyLogtoToken(await signToken(tenantKey), { endpoint: ENDPOINT, audience: AUDIENCE, fetch });
    expect(auth.userId).toBe(USER_ID);
    expect(fetch.urls).toEqual([JWKS_URI]);
  });
});
