/**
 * 3. HTTP throughput (autocannon, 10 connections): a route behind the library's middleware (the
 * handler touches the request's Supabase client, no query) vs an unprotected route of the same
 * app, for Express, Koa and Hono on @hono/node-server. Tokens rotate over 1,000 users. Judged: ≥ 0.8.
 * A third route reads only the verified user, to show what the middleware costs without a client.
 */
import type { BenchIssuer } from './lib/issuer.js';
import { compare, connections, load, rounds, seconds, startServerChild } from './lib/load.js';
import { count, verdict, type BenchResult, type Verdict } from './lib/report.js';

const frameworks = ['express', 'koa', 'hono'] as const;

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const fixture = await issuer.fixture(1000);
  const { tokens } = fixture;
  const rows: (string | number)[][] = [];
  const verdicts: Verdict[] = [];
  const perRound: string[] = [];
  for (const framework of frameworks) {
    const child = await startServerChild(framework, fixture);
    try {
      const route = (path: string, duration = seconds) => () => load({ url: `http://127.0.0.1:${child.ports.app}${path}`, tokens, duration });
      const arms = { client: route('/api/hello'), authOnly: route('/api/user'), open: route('/open') };
      // Warm-ups of 1 s; the first sends every token once (cold verifications) before it.
      const warmUp = {
        client: async () => {
          await load({ url: `http://127.0.0.1:${child.ports.app}/api/hello`, tokens, amount: tokens.length });
          return route('/api/hello', 1)();
        },
        authOnly: route('/api/user', 1),
        open: route('/open', 1),
      };
      const result = await compare(arms, 'open', warmUp);
      const labels = { client: 'protected, touches req.supabase', authOnly: 'protected, reads the user only', open: 'unprotected' };
      for (const arm of ['client', 'authOnly', 'open'] as const) {
        const { median, ratio } = result[arm];
        rows.push([framework, labels[arm], count(median.rps), arm === 'open' ? '1.00' : ratio.toFixed(2), median.p50, median.p99]);
      }
      verdicts.push(verdict(`${framework}: protected (touches req.supabase) / unprotected`, result.client.ratio, 0.8));
      perRound.push(`${framework} ${result.client.ratios.map((ratio) => ratio.toFixed(2)).join(', ')}`);
    } finally {
      await child.stop();
    }
  }
  return {
    name: 'http',
    title: `3. HTTP throughput: protected vs unprotected route, same app (${connections} connections, ${rounds} rotating rounds of ${seconds} s, median)`,
    header: ['framework', 'route', 'req/s', 'vs unprotected', 'p50 ms', 'p99 ms'],
    rows,
    verdicts,
    notes: [
      `Per-round ratios (touches req.supabase / unprotected): ${perRound.join('; ')}.`,
      'Server in a child process, autocannon in the parent (2 cores: one each). Touching `req.supabase` fetches the client the bridge keeps for that Logto token (made on the token\'s first request: `createClient` builds auth, REST, storage, functions and realtime clients and mints the JWT).',
    ],
  };
}
