/**
 * 1. Cold verification: 1,000 distinct tokens, the verifier's cache off, against raw `jose.jwtVerify`
 * with the same key and the same issuer, audience, typ and algorithm checks. Judged: library/jose ≥ 0.95.
 */
import { createPublicKey, verify as nodeVerify, type JsonWebKey } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { verifyLogtoToken, type LogtoVerifierOptions } from 'logto-supabase';
import type { BenchIssuer } from './lib/issuer.js';
import { count, median, verdict, type BenchResult } from './lib/report.js';

const tokenCount = 1000;
const coldRounds = Number(process.env.BENCH_ROUNDS ?? 5);

type Verify = (token: string) => Promise<unknown>;

/** Verifies every token in turn (one at a time: the cost of one verification); returns verifications per second. */
export async function perSecond(tokens: string[], verify: Verify, passes = 1): Promise<number> {
  const started = performance.now();
  for (let pass = 0; pass < passes; pass += 1) for (const token of tokens) await verify(token);
  return (tokens.length * passes) / ((performance.now() - started) / 1000);
}

/** Tokens per turn: A and B take turns every 50 tokens, so a load change on a shared machine hits both. */
const chunk = 50;

/** Wall-clock ms and process CPU µs (every thread: WebCrypto runs on the libuv pool) of a run. */
interface Spent {
  ms: number;
  cpu: number;
}

/**
 * One round over all tokens, the two verifiers interleaved chunk by chunk; verifications per
 * second of each, by the wall clock and by the process's CPU time (which other work on a shared
 * machine does not inflate).
 */
async function interleaved(tokens: string[], a: Verify, b: Verify, aFirst: boolean): Promise<{ rate: [number, number]; cpuRate: [number, number] }> {
  const spentA: Spent = { ms: 0, cpu: 0 };
  const spentB: Spent = { ms: 0, cpu: 0 };
  const timed = async (verify: Verify, part: string[], spent: Spent) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const token of part) await verify(token);
    const { user, system } = process.cpuUsage(cpu);
    spent.ms += performance.now() - started;
    spent.cpu += user + system;
  };
  for (let start = 0; start < tokens.length; start += chunk) {
    const part = tokens.slice(start, start + chunk);
    const first = ((start / chunk) % 2 === 0) === aFirst;
    if (first) await timed(a, part, spentA);
    await timed(b, part, spentB);
    if (!first) await timed(a, part, spentA);
  }
  return {
    rate: [(tokens.length * 1000) / spentA.ms, (tokens.length * 1000) / spentB.ms],
    cpuRate: [(tokens.length * 1e6) / spentA.cpu, (tokens.length * 1e6) / spentB.cpu],
  };
}

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const tokens = await issuer.tokens(tokenCount);
  const key = await importJWK(issuer.publicJwk, 'ES384');
  const options: LogtoVerifierOptions = { endpoint: issuer.endpoint, audience: issuer.audience, cache: false };
  const joseOptions = { issuer: issuer.issuer, audience: issuer.audience, typ: 'at+jwt', algorithms: ['ES384'] };
  const arms = {
    library: (token: string) => verifyLogtoToken(token, options),
    jose: (token: string) => jwtVerify(token, key, joseOptions),
  };
  // Warm-up: the JWKS is fetched once, both code paths are compiled.
  for (const verify of Object.values(arms)) await perSecond(tokens.slice(0, 200), verify);

  // For reference only: the signature check alone with node:crypto, synchronous (what jose 4 does on Node).
  const nodeKey = createPublicKey({ key: issuer.publicJwk as JsonWebKey, format: 'jwk' });
  const nodeCheck = async (token: string) => {
    const dot = token.lastIndexOf('.');
    const valid = nodeVerify('sha384', Buffer.from(token.slice(0, dot)), { key: nodeKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(token.slice(dot + 1), 'base64url'));
    if (!valid) throw new Error('bad signature');
  };
  const rates = { library: [] as number[], jose: [] as number[], node: [] as number[] };
  const cpuRates = { library: [] as number[], jose: [] as number[] };
  for (let round = 0; round < coldRounds; round += 1) {
    const { rate, cpuRate } = await interleaved(tokens, arms.library, arms.jose, round % 2 === 0);
    rates.library.push(rate[0]);
    rates.jose.push(rate[1]);
    cpuRates.library.push(cpuRate[0]);
    cpuRates.jose.push(cpuRate[1]);
    rates.node.push(await perSecond(tokens.slice(0, 200), nodeCheck));
  }
  const library = median(rates.library);
  const jose = median(rates.jose);
  // Pooled over every round: total verifications over total time of each, interleaved 50 by 50.
  const pooled = (list: number[]) => (list.length * tokenCount) / list.reduce((sum, rate) => sum + tokenCount / rate, 0);
  const ratio = pooled(rates.library) / pooled(rates.jose);
  const cpuRatio = pooled(cpuRates.library) / pooled(cpuRates.jose);
  return {
    name: 'cold',
    title: `1. Cold verification: ${count(tokenCount)} distinct ES384 tokens, cache off (${coldRounds} rounds, the two interleaved every 50 tokens; median)`,
    header: ['verifier', 'verifications/s', 'µs each', 'rounds (verifications/s)'],
    rows: [
      ['verifyLogtoToken (cache: false)', count(library), count(1e6 / library), rates.library.map((rate) => count(rate)).join(', ')],
      ['jose.jwtVerify (same key)', count(jose), count(1e6 / jose), rates.jose.map((rate) => count(rate)).join(', ')],
      ['(reference) node:crypto signature check only', count(median(rates.node)), count(1e6 / median(rates.node)), rates.node.map((rate) => count(rate)).join(', ')],
    ],
    verdicts: [verdict('library / jose (all rounds pooled), wall clock', ratio, 0.95), verdict('library / jose (all rounds pooled), process CPU time', cpuRatio, 0.95)],
    notes: [
      `Per-round ratios, wall clock: ${rates.library.map((rate, round) => (rate / rates.jose[round]!).toFixed(3)).join(', ')}; process CPU time: ${cpuRates.library.map((rate, round) => (rate / cpuRates.jose[round]!).toFixed(3)).join(', ')}.`,
      'Two measures of one ratio: verifications per second of wall-clock time, and per second of the process\'s CPU time (all threads, read from `process.cpuUsage()` around each chunk), which load from other work on a shared machine does not inflate.',
      'jose 6 verifies with WebCrypto (`crypto.subtle`), which on Node 20 costs more than the synchronous node:crypto call jose 4 makes (the reference row, no claim checks). One verification at a time; the library also reads the header first, resolves the key from the shared JWKS and checks sub, client_id, scope and organization.'],
  };
}
