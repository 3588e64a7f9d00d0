/**
 * Mixed load on loopback against the Express sample backed by the local stack (real Logto
 * stand-in, real Postgres with RLS): valid tokens of alice and bob, 10 % forged or expired
 * tokens, and one signing-key rotation in the middle. Every good request gets exactly its user's
 * rows, every bad one 401, and nothing 5xx. MIXED_LOAD_REQUESTS sets the count (default 20,000).
 */
import { Agent, request } from 'node:http';
import { base64url, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../examples/express-spa-backend/app.js';
import { startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';
import { listen, type Listening } from '../../examples/shared/listen.js';

const total = Number(process.env.MIXED_LOAD_REQUESTS ?? 20_000);
const concurrency = 20;
/** Every tenth request carries a forged or an expired token. */
const isBad = (index: number) => index % 10 === 9;

type UserName = 'alice' | 'bob';
const titlesOf: Record<UserName, string[]> = {
  alice: ["Alice's first post", "Alice's second post"],
  bob: ["Bob's first post", "Bob's second post"],
};

interface Good {
  user: UserName;
  token: string;
}
interface Bad {
  kind: 'forged' | 'expired';
  token: string;
}

let stack: LocalStack;
let server: Listening;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

/** GET over a kept-alive connection (node:http: lighter than fetch, so the load lands on the server). */
function get(path: string, token: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
let jwksFetches = 0;
const attacker = await generateKeyPair('ES384');

/** The token's header and claims, signed again by the attacker's key: the real `kid`, a wrong signature. */
async function forge(token: string, claims: Record<string, unknown> = {}): Promise<string> {
  const [header = '', payload = ''] = token.split('.');
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  const input = `${header}.${base64url.encode(JSON.stringify({ ...decoded, ...claims }))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, attacker.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

/** Forged variants of a real token: as is, claiming the other user, and with a far expiry. */
const forgeries = (token: string, other: UserName) =>
  Promise.all([forge(token), forge(token, { sub: users[other].id }), forge(token, { exp: Math.floor(Date.now() / 1000) + 86_400 })]);

/** Real tokens of the issuer, issued two hours ago (by the stand-in's clock), so expired an hour ago. */
async function expiredTokens(): Promise<string[]> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 2 * 3600 * 1000 });
  try {
    const signedIn = await Promise.all((['alice', 'bob', 'alice', 'bob'] as const).map((user) => stack.logto.signIn(user)));
    return signedIn.map(({ accessToken }) => accessToken);
  } finally {
    vi.useRealTimers();
  }
}

/** A handful of real tokens per user, reused across requests as SPAs reuse theirs. */
async function signInTokens(perUser: number): Promise<Good[]> {
  const names = (['alice', 'bob'] as const).flatMap((user) => Array.from({ length: perUser }, () => user));
  return Promise.all(names.map(async (user) => ({ user, token: (await stack.logto.signIn(user)).accessToken })));
}

const kidOf = (token: string) => (JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!))) as { kid: string }).kid;

beforeAll(async () => {
  stack = await startLocalStack({ supabase: { databaseUrl: process.env.TEST_DATABASE_URL } });
  const logto = {
    ...stack.options.logto,
    // The default 30 s cooldown would refuse the new kid if the rotation came within 30 s of the
    // first key-set load (faults.test.ts documents that); a short one lets this run rotate mid-way.
    jwksCooldownMs: 1000,
    fetch: ((input, init) => {
      if (String(input) === stack.logto.jwksUri) jwksFetches += 1;
      return globalThis.fetch(input, init);
    }) as typeof fetch,
  };
  server = await listen(createApp({ ...stack.options, logto }));
});

afterAll(async () => {
  agent.destroy();
  await server?.close();
  await stack?.stop();
});

describe('20,000 mixed requests while the signing key rotates', () => {
  it(
    'answers every good request 200 with its own rows, every forged or expired one 401, and nothing 5xx',
    async () => {
      const good: Good[] = await signInTokens(3);
      const [alice, bob] = [good.find((g) => g.user === 'alice')!, good.find((g) => g.user === 'bob')!];
      const expired = await expiredTokens();
      const bad: Bad[] = [
        ...(await forgeries(alice.token, 'bob')).map((token) => ({ kind: 'forged' as const, token })),
        ...(await forgeries(bob.token, 'alice')).map((token) => ({ kind: 'forged' as const, token })),
        ...expired.map((token) => ({ kind: 'expired' as const, token })),
      ];
      const oldKid = kidOf(alice.token);
      expect(bad.every(({ token }) => kidOf(token) === oldKid)).toBe(true);

      const counts = { good: 0, goodOk: 0, forged: 0, expired: 0, badRefused: 0, serverErrors: 0 };
      const problems: string[] = [];
      const report = (message: string) => {
        if (problems.length < 20) problems.push(message);
      };
      let newKid = '';
      let rotation: Promise<void> | undefined;
      const rotateAt = Math.floor(total / 2);

      /** Rotates like Logto (the new key signs, the old one stays published); the new tokens join the mix. */
      const rotate = async () => {
        newKid = await stack.logto.rotateKeys();
        const fresh = await signInTokens(2);
        expect(fresh.every(({ token }) => kidOf(token) === newKid)).toBe(true);
        good.push(...fresh);
        for (const { user, token } of fresh.slice(0, 2)) {
          bad.push(...(await forgeries(token, user === 'alice' ? 'bob' : 'alice')).map((t) => ({ kind: 'forged' as const, token: t })));
        }
      };

      let next = 0;
      let goodTurn = 0;
      let badTurn = 0;
      const worker = async () => {
        while (next < total) {
          const index = next++;
          if (index === rotateAt) rotation = rotate();
          const badRequest = isBad(index);
          const pick = badRequest ? bad[badTurn++ % bad.length]! : good[goodTurn++ % good.length]!;
          const response = await get('/api/posts', pick.token);
          const { body } = response;
          if (response.status >= 500) {
            counts.serverErrors += 1;
            report(`#${index}: HTTP ${response.status} ${JSON.stringify(body)}`);
          }
          if ('user' in pick) {
            counts.good += 1;
            const titles = Array.isArray(body) ? body.map((row: { title: string }) => row.title) : undefined;
            if (response.status === 200 && JSON.stringify(titles) === JSON.stringify(titlesOf[pick.user])) counts.goodOk += 1;
            else report(`#${index} (${pick.user}, kid ${kidOf(pick.token)}): HTTP ${response.status} ${JSON.stringify(body)}`);
          } else {
            counts[pick.kind] += 1;
            if (response.status === 401 && (body as { error?: string }).error === 'invalid_token') counts.badRefused += 1;
            else report(`#${index} (${pick.kind}): HTTP ${response.status} ${JSON.stringify(body)}`);
          }
        }
      };

      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      await rotation;
      const seconds = (performance.now() - started) / 1000;

      const goodRequests = counts.good;
      const badRequests = counts.forged + counts.expired;
      console.log(
        `mixed load: ${total} requests in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} req/s, ${concurrency} workers): ` +
          `${counts.goodOk}/${goodRequests} good → 200 with own rows, ${counts.badRefused}/${badRequests} bad ` +
          `(${counts.forged} forged, ${counts.expired} expired) → 401, ${counts.serverErrors} 5xx; ` +
          `key rotated at request ${rotateAt} (${oldKid.slice(0, 8)}… → ${newKid.slice(0, 8)}…), ${jwksFetches} JWKS fetches`,
      );

      expect(problems).toEqual([]);
      expect(goodRequests + badRequests).toBe(total);
      expect(badRequests).toBe(Math.floor(total / 10));
      expect(counts.goodOk).toBe(goodRequests);
      expect(counts.badRefused).toBe(badRequests);
      expect(counts.serverErrors).toBe(0);
      expect(newKid).not.toBe('');
      // One load at start, one re-fetch for the new kid: forged tokens name a known kid and cost none.
      expect(jwksFetches).toBe(2);
    },
    // About 45 s for 20,000 on an idle machine (PGlite is the bottleneck); room for a busy one.
    Math.max(60_000, total * 6),
  );
});
