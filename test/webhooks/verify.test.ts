/**
 * verifyLogtoWebhook: Logto's signature recipe (HMAC-SHA256 of the raw bytes, hex, keyed with the
 * signing key as UTF-8), the replay window on the signed `createdAt`, and fail-closed parsing.
 * PROPERTY_RUNS sets the fast-check cases (CI: 10,000).
 */
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LogtoSupabaseConfigError } from '../../src/index.js';
import { LogtoWebhookError, isLogtoWebhookError, verifyLogtoWebhook } from '../../src/webhooks/index.js';
import {
  SIGNING_KEY,
  customDataUpdated,
  deliveryHeaders,
  logtoUser,
  membershipUpdated,
  postRegister,
  sign,
  userCreated,
  userDeleted,
} from '../helpers/webhooks.js';

const numRuns = Number(process.env.PROPERTY_RUNS ?? 2000);
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const alice = logtoUser('a1ic3x9k2m4p', Date.now());

async function refusal(promise: Promise<unknown>): Promise<LogtoWebhookError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof LogtoWebhookError)) throw new Error(`expected a LogtoWebhookError, got ${String(error)}`);
  return error;
}

describe("Logto's signature recipe", () => {
  it('accepts a known-answer vector (computed with openssl dgst -sha256 -hmac)', async () => {
    const body = '{"event":"User.Created","createdAt":"2026-01-01T00:00:00.000Z","data":{"id":"a1ic3x9k2m4p"}}';
    const signature = 'd43ecb77b8edbac82d8b8aed9fe35df9913713f2345a23e15d3b74e9eaab2e01';
    const event = await verifyLogtoWebhook(body, signature, SIGNING_KEY, { maxAgeSeconds: 1e10 });
    expect(event).toMatchObject({ event: 'User.Created', data: { id: 'a1ic3x9k2m4p' } });
  });

  const shapes = {
    'User.Created': userCreated(alice),
    'User.Data.Updated (custom data only)': customDataUpdated(alice.id, { plan: 'pro' }),
    'User.Deleted': userDeleted(alice),
    PostRegister: postRegister(alice),
    'Organization.Membership.Updated': membershipUpdated('org0acme0000000000001', [alice.id]),
  };

  for (const [name, payload] of Object.entries(shapes)) {
    it(`accepts a ${name} delivery as a string, a Uint8Array, an ArrayBuffer and a Buffer, with Headers or Node headers`, async () => {
      const body = JSON.stringify(payload, null, 2);
      const bytes = new TextEncoder().encode(body);
      const headers = deliveryHeaders(body);
      for (const raw of [body, bytes, bytes.buffer, Buffer.from(body)]) {
        for (const source of [headers, new Headers(headers), headers['logto-signature-sha-256']]) {
          await expect(verifyLogtoWebhook(raw, source, SIGNING_KEY)).resolves.toEqual(payload);
        }
      }
    });
  }

  it('narrows the event union on `event`', async () => {
    const body = JSON.stringify(postRegister(alice));
    const event = await verifyLogtoWebhook(body, deliveryHeaders(body), SIGNING_KEY);
    if (event.event !== 'PostRegister') throw new Error(event.event);
    expect(event.user?.id).toBe(alice.id);
  });

  it('reads the header case-insensitively from a plain object', async () => {
    const body = JSON.stringify(userCreated(alice));
    await expect(verifyLogtoWebhook(body, { 'Logto-Signature-Sha-256': sign(body) }, SIGNING_KEY)).resolves.toMatchObject({ event: 'User.Created' });
  });
});

describe('refuses what is not the signed bytes under this key', () => {
  const body = JSON.stringify(userCreated(alice));
  const headers = deliveryHeaders(body);

  it('one flipped byte: invalid_signature 401', async () => {
    const bytes = new TextEncoder().encode(body);
    bytes[bytes.length >> 1]! ^= 0x01;
    const error = await refusal(verifyLogtoWebhook(bytes, headers, SIGNING_KEY));
    expect([error.code, error.status]).toEqual(['invalid_signature', 401]);
  });

  it('one flipped bit in the signature: invalid_signature 401', async () => {
    const signature = headers['logto-signature-sha-256'];
    const flipped = (parseInt(signature[0]!, 16) ^ 1).toString(16) + signature.slice(1);
    expect((await refusal(verifyLogtoWebhook(body, flipped, SIGNING_KEY))).code).toBe('invalid_signature');
  });

  it('the same event re-serialized with its keys reordered: invalid_signature', async () => {
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body) as object).reverse()));
    expect(reordered).not.toBe(body);
    expect(JSON.parse(reordered)).toEqual(JSON.parse(body));
    expect((await refusal(verifyLogtoWebhook(reordered, headers, SIGNING_KEY))).code).toBe('invalid_signature');
  });

  it('a missing header: invalid_signature, naming the header', async () => {
    for (const source of [{}, new Headers(), undefined, null, '']) {
      const error = await refusal(verifyLogtoWebhook(body, source, SIGNING_KEY));
      expect([error.code, error.message]).toEqual(['invalid_signature', 'The logto-signature-sha-256 header is missing.']);
    }
  });

  it('a wrong key: invalid_signature', async () => {
    expect((await refusal(verifyLogtoWebhook(body, headers, 'AnotherSigningKey0123456789abcdef'))).code).toBe('invalid_signature');
  });

  it('a signature that is not 64 hex digits, or two headers: invalid_signature', async () => {
    const signature = headers['logto-signature-sha-256'];
    for (const source of [signature.slice(2), `${signature}00`, `sha256=${signature}`, 'zz'.repeat(32), { 'logto-signature-sha-256': [signature, signature] }]) {
      expect((await refusal(verifyLogtoWebhook(body, source, SIGNING_KEY))).code).toBe('invalid_signature');
    }
  });

  it('an empty or missing key is a configuration error naming signingKey, never a pass', async () => {
    for (const key of ['', undefined as unknown as string]) {
      const error = await verifyLogtoWebhook(body, headers, key).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
      expect((error as LogtoSupabaseConfigError).option).toBe('signingKey');
    }
  });

  it('a parsed body (express.json() ran first) is a configuration error naming rawBody', async () => {
    const error = await verifyLogtoWebhook(JSON.parse(body) as string, headers, SIGNING_KEY).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LogtoSupabaseConfigError);
    expect((error as Error).message).toMatch(/^rawBody: must be the raw request body/);
  });

  it('errors answer as JSON with their status and never quote the key', async () => {
    const error = await refusal(verifyLogtoWebhook(body, headers, 'AnotherSigningKey0123456789abcdef'));
    const response = error.toResponse();
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_signature', error_description: error.message });
    expect(JSON.stringify(error.toJSON())).not.toContain('AnotherSigningKey');
  });
});

describe('the replay window on the signed createdAt', () => {
  const deliver = (createdAt: string, options = {}) => {
    const body = JSON.stringify(userCreated(alice, createdAt));
    return verifyLogtoWebhook(body, deliveryHeaders(body), SIGNING_KEY, options);
  };

  it('accepts an event 299 s old, refuses one 301 s old (default 300 s): stale_event 401', async () => {
    await expect(deliver(secondsAgo(299))).resolves.toMatchObject({ event: 'User.Created' });
    const error = await refusal(deliver(secondsAgo(301)));
    expect([error.code, error.status]).toEqual(['stale_event', 401]);
  });

  it('honours maxAgeSeconds', async () => {
    expect((await refusal(deliver(secondsAgo(61), { maxAgeSeconds: 60 }))).code).toBe('stale_event');
    await expect(deliver(secondsAgo(3000), { maxAgeSeconds: 3600 })).resolves.toBeTruthy();
  });

  it('refuses a createdAt in the future beyond the clock tolerance (default 30 s)', async () => {
    await expect(deliver(secondsAgo(-20))).resolves.toBeTruthy();
    const error = await refusal(deliver(secondsAgo(-60)));
    expect([error.code, error.message]).toEqual(['stale_event', 'The event\'s "createdAt" is in the future: check the clocks.']);
    expect((await refusal(deliver(secondsAgo(-10), { clockTolerance: 0 }))).code).toBe('stale_event');
  });

  it('a createdAt that is not a date, or no createdAt: invalid_payload 400', async () => {
    const error = await refusal(deliver('yesterday'));
    expect([error.code, error.status]).toEqual(['invalid_payload', 400]);
    const body = JSON.stringify({ event: 'User.Created', data: alice });
    expect((await refusal(verifyLogtoWebhook(body, sign(body), SIGNING_KEY))).code).toBe('invalid_payload');
  });

  it('signed bytes that are not JSON, or not an event: invalid_payload', async () => {
    for (const body of ['not json', '[]', 'null', '{"event":1,"createdAt":"x"}', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])]) {
      expect((await refusal(verifyLogtoWebhook(body, sign(body), SIGNING_KEY))).code).toBe('invalid_payload');
    }
  });

  it('rejects bad window options as configuration errors', async () => {
    for (const options of [{ maxAgeSeconds: -1 }, { maxAgeSeconds: Number.NaN }, { clockTolerance: '5' }]) {
      await expect(deliver(secondsAgo(1), options)).rejects.toBeInstanceOf(LogtoSupabaseConfigError);
    }
  });
});

describe('random deliveries fail closed with a LogtoWebhookError', () => {
  const signedOrNot = fc.record({
    body: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 300 }), fc.json()),
    signature: fc.oneof(fc.constant(undefined), fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })),
    signIt: fc.boolean(),
    headerName: fc.constantFrom('logto-signature-sha-256', 'Logto-Signature-SHA-256', 'x-other'),
  });

  property.prop([signedOrNot], { numRuns })(
    'random bodies and headers: accepted only when correctly signed, else a LogtoWebhookError',
    async ({ body, signature, signIt, headerName }) => {
      const value = signIt ? sign(body) : signature;
      const headers = value === undefined ? {} : { [headerName]: value };
      try {
        await verifyLogtoWebhook(body, headers, SIGNING_KEY);
        expect(signIt && headerName !== 'x-other').toBe(true);
      } catch (error) {
        expect(isLogtoWebhookError(error)).toBe(true);
        expect([400, 401]).toContain((error as LogtoWebhookError).status);
      }
    },
    Math.max(20_000, numRuns * 5),
  );
});
