/**
 * 2. Warm verification: the same 1,000 tokens again and again (what a SPA sends for an hour), the
 * verifier's cache on, against raw `jose.jwtVerify`, which checks the signature every time. Judged: ≥ 20×.
 */
import { importJWK, jwtVerify } from 'jose';
import { verifyLogtoToken, type LogtoVerifierOptions } from 'logto-supabase';
import { perSecond } from './cold.js';
import type { BenchIssuer } from './lib/issuer.js';
import { count, median, verdict, type BenchResult } from './lib/report.js';

const tokenCount = 1000;
const warmRounds = Number(process.env.BENCH_ROUNDS ?? 5);
/** Passes over the 1,000 tokens per round for the cached verifier, so a round lasts long enough to time. */
const cachedPasses = 50;

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const tokens = await issuer.tokens(tokenCount);
  const key = await importJWK(issuer.publicJwk, 'ES384');
  const options: LogtoVerifierOptions = { endpoint: issuer.endpoint, audience: issuer.audience };
  const joseOptions = { issuer: issuer.issuer, audience: issuer.audience, typ: 'at+jwt', algorithms: ['ES384'] };
  const library = (token: string) => verifyLogtoToken(token, options);
  const jose = (token: string) => jwtVerify(token, key, joseOptions);
  // Fills the cache (one cold verification per token) and compiles both paths.
  await perSecond(tokens, library, 2);
  await perSecond(tokens.slice(0, 200), jose);

  const rates = { library: [] as number[], jose: [] as number[] };
  for (let round = 0; round < warmRounds; round += 1) {
    const first = round % 2 === 0;
    if (first) rates.library.push(await perSecond(tokens, library, cachedPasses));
    rates.jose.push(await perSecond(tokens, jose));
    if (!first) rates.library.push(await perSecond(tokens, library, cachedPasses));
  }
  const cached = median(rates.library);
  const raw = median(rates.jose);
  return {
    name: 'warm',
    title: `2. Warm verification: ${count(tokenCount)} tokens repeated, cache on (${warmRounds} alternating rounds, median)`,
    header: ['verifier', 'verifications/s', 'µs each', 'rounds (verifications/s)'],
    rows: [
      ['verifyLogtoToken (cached)', count(cached), count(1e6 / cached, 2), rates.library.map((rate) => count(rate)).join(', ')],
      ['jose.jwtVerify (same key)', count(raw), count(1e6 / raw, 2), rates.jose.map((rate) => count(rate)).join(', ')],
    ],
    verdicts: [verdict('cached library / jose', cached / raw, 20, 'times')],
    notes: ['A hit still re-checks exp, required scopes and organization; a token with another signature is another key.'],
  };
}
