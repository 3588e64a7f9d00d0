/**
 * 4. Against the libraries people would use instead, same app, same tokens:
 * Express + logtoSupabase vs Express + express-oauth2-jwt-bearer, cold (every token used once:
 * no cache can help; goal ≥ 1.0) and warm (1,000 tokens repeated; goal: ≥ 0.9 of the ceiling, the
 * unprotected route of the same app over the peer, measured in the same rounds);
 * Hono + logto-supabase/hono vs hono/jwk, warm (goal ≥ 5×).
 * Judged with the same handler everywhere (it answers with the user id); touching req.supabase is shown apart.
 */
import type { BenchIssuer } from './lib/issuer.js';
import { compare, connections, load, rounds, seconds, startServerChild, type ArmResult } from './lib/load.js';
import { check, count, median, verdict, type BenchResult, type Verdict } from './lib/report.js';

/** Distinct tokens per cold run (each used once; the servers' verifiers are replaced before every run). */
const coldTokens = 2000;
/** Cold runs are short and noisy on a shared machine: more of them. */
const coldRounds = Number(process.env.BENCH_ROUNDS ?? 5);

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const all = await issuer.tokens(1000 + coldTokens);
  const warm = all.slice(0, 1000);
  const cold = all.slice(1000);
  const fixture = { ...(await issuer.fixture(0)), tokens: [] };
  const rows: (string | number)[][] = [];
  const verdicts: Verdict[] = [];
  const perRound: string[] = [];
  const addRows = (label: string, ours: string, peer: string, result: Record<'ours' | 'peer', ArmResult> & { oursClient?: ArmResult }) => {
    const row = (name: string, { median, ratio }: ArmResult, shown: string) => [label, name, count(median.rps), shown, median.p50, median.p99];
    rows.push(row(`${ours}, handler reads the user`, result.ours, `${result.ours.ratio.toFixed(2)}`));
    if (result.oursClient) rows.push(row(`${ours}, handler touches req.supabase`, result.oursClient, `${result.oursClient.ratio.toFixed(2)}`));
    rows.push(row(peer, result.peer, '1.00'));
  };

  const express = await startServerChild('express', fixture);
  try {
    const url = (path: string) => `http://127.0.0.1:${express.ports.app}${path}`;
    // Before each cold run: new verifiers (empty caches), each loaded with the JWKS by one request.
    const coldRun = (path: string) => async () => {
      await express.request({ type: 'fresh' });
      await load({ url: url(path), tokens: warm.slice(0, 1), amount: 1, connections: 1 });
      return load({ url: url(path), tokens: cold, amount: cold.length });
    };
    const coldResult = await compare({ ours: coldRun('/api/user'), peer: coldRun('/peer/hello') }, 'peer', {}, coldRounds);
    addRows('Express, cold', 'logtoSupabase', 'express-oauth2-jwt-bearer', coldResult);
    verdicts.push(verdict('Express cold: logtoSupabase / express-oauth2-jwt-bearer', coldResult.ours.ratio, 1));
    perRound.push(`Express cold ${coldResult.ours.ratios.map((ratio) => ratio.toFixed(2)).join(', ')}`);

    await express.request({ type: 'fresh' });
    const warmRun = (path: string, duration = seconds) => () => load({ url: url(path), tokens: warm, duration });
    const fill = async () => {
      await load({ url: url('/api/hello'), tokens: warm, amount: warm.length });
      return warmRun('/api/user', 1)();
    };
    const warmResult = await compare(
      { ours: warmRun('/api/user'), oursClient: warmRun('/api/hello'), open: warmRun('/open'), peer: warmRun('/peer/hello') },
      'peer',
      { ours: fill, oursClient: warmRun('/api/hello', 1), open: warmRun('/open', 1), peer: warmRun('/peer/hello', 1) },
      rounds,
      express.cpu,
    );
    addRows('Express, warm', 'logtoSupabase', 'express-oauth2-jwt-bearer', warmResult);
    rows.splice(rows.length - 1, 0, ['Express, warm', 'unprotected route (the ceiling)', count(warmResult.open.median.rps), warmResult.open.ratio.toFixed(2), warmResult.open.median.p50, warmResult.open.median.p99]);
    // The ceiling: no middleware at all over the peer, in the same rounds; ours over the peer can only approach it.
    const ofCeiling = (ours: number[], open: number[]) => median(ours.map((ratio, round) => ratio / open[round]!));
    const shareRps = ofCeiling(warmResult.ours.ratios, warmResult.open.ratios);
    const shareCpu = ofCeiling(warmResult.ours.cpuRatios, warmResult.open.cpuRatios);
    verdicts.push(
      check(
        'Express warm: logtoSupabase / express-oauth2-jwt-bearer, of the ceiling (unprotected / peer), req/s',
        shareRps >= 0.9,
        `${warmResult.ours.ratio.toFixed(2)}× of a ${warmResult.open.ratio.toFixed(2)}× ceiling: ${shareRps.toFixed(2)} (goal ≥ 0.90)`,
      ),
      check(
        'Express warm: the same, server CPU per request',
        shareCpu >= 0.9,
        `${warmResult.ours.cpuRatio.toFixed(2)}× of a ${warmResult.open.cpuRatio.toFixed(2)}× ceiling: ${shareCpu.toFixed(2)} (goal ≥ 0.90)`,
      ),
    );
    perRound.push(
      `Express warm ${warmResult.ours.ratios.map((ratio) => ratio.toFixed(2)).join(', ')} (ceiling ${warmResult.open.ratios.map((ratio) => ratio.toFixed(2)).join(', ')}; server CPU: ${warmResult.ours.cpuRatios.map((ratio) => ratio.toFixed(2)).join(', ')}, ceiling ${warmResult.open.cpuRatios.map((ratio) => ratio.toFixed(2)).join(', ')})`,
    );
  } finally {
    await express.stop();
  }

  const hono = await startServerChild('hono', fixture);
  try {
    const url = (path: string) => `http://127.0.0.1:${hono.ports.app}${path}`;
    const warmRun = (path: string, duration = seconds) => () => load({ url: url(path), tokens: warm, duration });
    const fill = async () => {
      await load({ url: url('/api/hello'), tokens: warm, amount: warm.length });
      return warmRun('/api/user', 1)();
    };
    const result = await compare(
      { ours: warmRun('/api/user'), oursClient: warmRun('/api/hello'), peer: warmRun('/jwk/hello') },
      'peer',
      { ours: fill, oursClient: warmRun('/api/hello', 1), peer: warmRun('/jwk/hello', 1) },
    );
    addRows('Hono, warm', 'logto-supabase/hono', 'hono/jwk (keys given)', result);
    verdicts.push(verdict('Hono warm: logto-supabase/hono / hono/jwk', result.ours.ratio, 5, 'times'));
    perRound.push(`Hono warm ${result.ours.ratios.map((ratio) => ratio.toFixed(2)).join(', ')}`);
  } finally {
    await hono.stop();
  }

  return {
    name: 'peers',
    title: `4. Against the peers (${connections} connections; cold: ${coldRounds} rotating rounds of ${count(coldTokens)} never-seen tokens per run; warm: ${rounds} rotating rounds of ${seconds} s over 1,000 tokens; median)`,
    header: ['case', 'middleware', 'req/s (median)', 'vs peer (median of per-round ratios)', 'p50 ms', 'p99 ms'],
    rows,
    verdicts,
    notes: [
      `Per-round ratios: ${perRound.join('; ')}.`,
      'express-oauth2-jwt-bearer: `auth({ issuer, jwksUri, audience, tokenSigningAlg: "ES384", strict: true })` (plain-http issuer and JWKS on loopback are accepted with `issuer` + `jwksUri`; `strict` checks typ at+jwt, sub, client_id, iat, jti as we do). It verifies with jose 4 (node:crypto, synchronous); we use jose 6 (WebCrypto, on the libuv pool).',
      'hono/jwk: `jwk({ keys: [publicJwk], alg: ["ES384"], verification: { iss, aud, typ: "at+jwt" } })`, its fastest setup; with `jwks_uri` it fetches the JWKS on every request. It imports the key and checks the signature on every request (no cache).',
      'Judged like for like: every handler answers with the verified user id. The warm extra rows touch `req.supabase` (a supabase-js client per request), which the peers do not offer. Cold runs vary a lot on a shared machine: read the per-round ratios.',
    ],
  };
}
