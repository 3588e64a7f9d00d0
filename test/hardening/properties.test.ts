/**
 * Property-based tests: whatever the input, verification and bearer extraction fail closed with
 * a LogtoAuthError of a 4xx status, never an uncaught exception, a 5xx or a hang.
 * PROPERTY_RUNS sets the cases per property (CI: 10,000).
 */
import { fc, test } from '@fast-check/vitest';
import { base64url } from 'jose';
import { beforeAll, describe, expect } from 'vitest';
import { createLogtoVerifier, extractBearerToken, isLogtoAuthError, type LogtoVerifier } from '../../src/index.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, signToken, type TestKey } from '../helpers/tokens.js';

const numRuns = Number(process.env.PROPERTY_RUNS ?? 2000);
const timeout = Math.max(20_000, numRuns * 5);

let key: TestKey;
let verify: LogtoVerifier;
let valid: string;

beforeAll(async () => {
  key = await generateTestKey('ES384');
  // No cache: every case must go through the whole check, as a first sight of the token would.
  verify = createLogtoVerifier({ endpoint: ENDPOINT, audience: AUDIENCE, jwks: jwksOf(key), cache: false });
  valid = await signToken(key);
  await expect(verify(valid)).resolves.toMatchObject({ subject: expect.any(String) });
});

/** Resolves to the failure's status, or throws if the token was accepted or failed otherwise. */
async function refusalStatus(token: string): Promise<number> {
  try {
    await verify(token);
  } catch (error) {
    if (!isLogtoAuthError(error)) throw new Error(`not a LogtoAuthError: ${String(error)}`);
    return error.status;
  }
  throw new Error('accepted');
}

const base64urlChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A change to a valid token: a character replaced, segments swapped or re-encoded, bytes added or cut. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom(...base64urlChars, '.', '=', '+', '/', ' ') }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.integer({ min: 0, max: 2 }), b: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('pad' as const), segment: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 8 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(token: string, change: Mutation): string {
  const at = (n: number) => n % token.length;
  switch (change.kind) {
    case 'replace':
      return token.slice(0, at(change.at)) + change.char + token.slice(at(change.at) + 1);
    case 'flip': {
      const i = at(change.at);
      return token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << change.bit)) + token.slice(i + 1);
    }
    case 'swap': {
      const parts = token.split('.');
      [parts[change.a], parts[change.b]] = [parts[change.b]!, parts[change.a]!];
      return parts.join('.');
    }
    case 'pad': {
      const parts = token.split('.');
      parts[change.segment] = `${parts[change.segment]}=`;
      return parts.join('.');
    }
    case 'truncate':
      return token.slice(0, at(change.at));
    case 'insert':
      return token.slice(0, at(change.at)) + change.text + token.slice(at(change.at));
  }
}

describe('verifyLogtoToken never accepts what it should not, and always fails closed', () => {
  test.prop([fc.string({ maxLength: 2048 })], { numRuns })(
    'refuses any random string with a 4xx LogtoAuthError',
    async (input) => {
      const status = await refusalStatus(input);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    },
    timeout,
  );

  test.prop([fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/), { minLength: 1, maxLength: 5 })], { numRuns })(
    'refuses dot-joined random base64url segments',
    async (segments) => {
      const status = await refusalStatus(segments.join('.'));
      expect([400, 401, 403]).toContain(status);
    },
    timeout,
  );

  test.prop([mutation], { numRuns })(
    'refuses every mutation of a valid token (bit flips, swapped, re-encoded, cut or padded segments)',
    async (change) => {
      const mutated = mutate(valid, change);
      fc.pre(mutated !== valid);
      const status = await refusalStatus(mutated);
      expect(status).toBe(401);
    },
    timeout,
  );

  test.prop([fc.jsonValue(), fc.jsonValue()], { numRuns: Math.ceil(numRuns / 4) })(
    'refuses random JSON as header and payload, whatever the signature',
    async (header, payload) => {
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value) ?? 'null');
      const token = `${encode(header)}.${encode(payload)}.${valid.split('.')[2]}`;
      const status = await refusalStatus(token);
      expect(status).toBe(401);
    },
    timeout,
  );
});

describe('extractBearerToken accepts exactly one non-empty token68 credential', () => {
  const header = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', ''), fc.constantFrom(' ', '  ', '\t', ''), fc.string({ maxLength: 100 })).map(
      ([scheme, gap, rest]) => `${scheme}${gap}${rest}`,
    ),
  );

  test.prop([header], { numRuns })('returns one token68 string or throws a 400/401 LogtoAuthError', (value) => {
    let token: string;
    try {
      token = extractBearerToken(value);
    } catch (error) {
      expect(isLogtoAuthError(error)).toBe(true);
      expect([400, 401]).toContain((error as { status: number }).status);
      return;
    }
    expect(token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
    expect(value.trim().split(/[ \t]+/)).toEqual([expect.stringMatching(/^bearer$/i), token]);
  });
});
