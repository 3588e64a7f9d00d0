/**
 * 3. HTTP throughput (autocannon, 10 connections): a route behind the library's middleware (the
 * handler touches the request's Supabase client, no query) vs an unprotected route of the same
 * app, for Express, Koa, Fastify, Hono on @hono/node-server, and Hono with the Workers-style
 * factory `logtoSupabase((c) => fromEnv(c.env))` (options rebuilt from the bindings on every
 * request). Tokens rotate over 1,000 users. Judged: protected ÷ unprotected ≥ 0.8, in req/s (the
 * median of per-round ratios) and in server CPU per request (the same ratio, measured from the
 * server process's CPU clock, which other work on a shared machine does not slow down).
 * A third route reads only the verified user, to show what the middleware costs without a client.
 */
import type { BenchIssuer } from './lib/issuer.js';
import { compare, connections, load, rounds, seconds, startServerChild } from './lib/load.js';
import { count, verdict, type BenchResult, type Verdict } from './lib/report.js';

const frameworks = ['express', 'koa', 'fastify', 'hono', 'hono-factory'] as const;
const labels = { express: 'express', koa: 'koa', fastify: 'fastify', hono: 'hono', 'hono-factory': 'hono, (c) => fromEnv(c.env)' };
/** Short rounds, more of them: on a shared machine, load changes from second to second. */
const httpRounds = Number(process.env.BENCH_ROUNDS ?? Math.max(rounds, 7));
const httpSeconds = Number(process.env.BENCH_SECONDS ?? 1);

const perRoundText = (ratios: number[]) => ratios.map((ratio) => ratio.toFixed(2)).join(', ');

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const fixture = await issuer.fixture(1000);
  const { tokens } = fixture;
  const rows: (string | number)[][] = [];
  const verdicts: Verdict[] = [];
  const perRound: string[] = [];
  for (const framework of frameworks) {
    const child = await startServerChild(framework, fixture);
    try {
      const route = (path: string, duration = httpSeconds) => () => load({ url: `http://127.0.0.1:${child.ports.app}${path}`, tokens, duration });
      const arms = { client: route('/api/hello'), authOnly: route('/api/user'), open: route('/open') };
      // Warm-ups of 1 s; the first sends every token once (cold verifications, clients made) before it.
      const warmUp = {
        client: async () => {
          await load({ url: `http://127.0.0.1:${child.ports.app}/api/hello`, tokens, amount: tokens.length });
          return route('/api/hello', 1)();
        },
        authOnly: route('/api/user', 1),
        open: route('/open', 1),
      };
      const result = await compare(arms, 'open', warmUp, httpRounds, child.cpu);
      const armLabels = { client: 'protected, touches the Supabase client', authOnly: 'protected, reads the user only', open: 'unprotected' };
      for (const arm of ['client', 'authOnly', 'open'] as const) {
        const { median, ratio, cpuRatio } = result[arm];
        const shown = (value: number) => (arm === 'open' ? '1.00' : value.toFixed(2));
        rows.push([labels[framework], armLabels[arm], count(median.rps), shown(ratio), median.cpu!.toFixed(1), shown(cpuRatio), median.p50, median.p99]);
      }
      verdicts.push(verdict(`${labels[framework]}: protected (touches the client) / unprotected, req/s`, result.client.ratio, 0.8));
      verdicts.push(verdict(`${labels[framework]}: protected (touches the client) / unprotected, server CPU per request`, result.client.cpuRatio, 0.8));
      perRound.push(`${labels[framework]}: req/s ${perRoundText(result.client.ratios)}; CPU ${perRoundText(result.client.cpuRatios)}`);
    } finally {
      await child.stop();
    }
  }
  return {
    name: 'http',
    title: `3. HTTP throughput: protected vs unprotected route, same app (${connections} connections, 1,000 users' tokens rotating, ${httpRounds} rotating rounds of ${httpSeconds} s, median)`,
    header: ['framework', 'route', 'req/s', 'vs unprotected (req/s)', 'server CPU µs/request', 'vs unprotected (CPU)', 'p50 ms', 'p99 ms'],
    rows,
    verdicts,
    notes: [
      `Per-round ratios, protected (touches the client) / unprotected: ${perRound.join(' · ')}.`,
      'Two measures of one ratio: req/s as autocannon counts it, and the server process\'s CPU time per answered request (read from `process.cpuUsage()` around each run; unprotected ÷ protected). With other work on the machine, req/s follows how much CPU the server got; CPU per request does not.',
      'Server in a child process, autocannon in the parent. Touching the client reads the Supabase client the bridge keeps for that Logto token (made on the token\'s first request: `createClient` builds auth, REST, storage, functions and realtime clients).',
      'hono, (c) => fromEnv(c.env): the server passes a Workers-style bindings object to `app.fetch`, so every request builds its options with `fromEnv` and finds the bridge of equal options (src/adapters/plain-options.ts: no JSON fingerprint, the module-level functions compared by identity).',
    ],
  };
}
