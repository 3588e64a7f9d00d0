/**
 * 5. End to end with the database: the Express sample's `GET /api/posts` (examples/express-spa-backend)
 * on the local stack (the Supabase stand-in over PGlite, RLS on), 1,000 users' tokens. Reported, no goal:
 * req/s, p50/p99 latency, and where a request's time goes, measured in the server with performance.now():
 * verification (bridge.authenticate), client + minting (until supabase-js calls fetch), the query (fetch).
 */
import type { BenchIssuer } from './lib/issuer.js';
import { connections, load, startServerChild, type LoadResult } from './lib/load.js';
import { count, median, type BenchResult } from './lib/report.js';

interface Sample {
  total: number;
  verify: number;
  clientAndMint: number;
  query: number;
}

const throughputSeconds = Number(process.env.BENCH_SECONDS ?? 2) * 2;

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const fixture = await issuer.fixture(1000);
  const { tokens } = fixture;
  const child = await startServerChild('e2e', fixture);
  const rows: (string | number)[][] = [];
  try {
    const url = `http://127.0.0.1:${child.ports.app}/api/posts`;
    const phase = async (label: string, run: () => Promise<LoadResult>) => {
      await child.request({ type: 'phases' });
      const result = await run();
      const samples = await child.request<Sample[]>({ type: 'phases' });
      const sum = (key: keyof Sample) => samples.reduce((total, sample) => total + sample[key], 0);
      const share = (key: keyof Sample) => `${((sum(key) / sum('total')) * 100).toFixed(0)} %`;
      const ms = (key: keyof Sample) => median(samples.map((sample) => sample[key])).toFixed(2);
      rows.push([
        label,
        count(result.rps),
        result.p50,
        result.p99,
        `${ms('verify')} (${share('verify')})`,
        `${ms('clientAndMint')} (${share('clientAndMint')})`,
        `${ms('query')} (${share('query')})`,
        `${(((sum('verify') + sum('clientAndMint')) / sum('total')) * 100).toFixed(0)} %`,
      ]);
    };
    await phase("cold: each token's first request, 1 connection", () => load({ url, tokens, amount: tokens.length, connections: 1 }));
    await phase('warm, 1 connection', () => load({ url, tokens, duration: throughputSeconds, connections: 1 }));
    await phase(`warm, ${connections} connections`, () => load({ url, tokens, duration: throughputSeconds }));
  } finally {
    await child.stop();
  }
  return {
    name: 'e2e',
    title: '5. End to end: the Express sample\'s GET /api/posts on the local stack (PGlite), 1,000 users',
    header: ['run', 'req/s', 'p50 ms', 'p99 ms', 'verification ms (share)', 'client + minting ms (share)', 'query ms (share)', 'library share'],
    rows,
    verdicts: [],
    notes: [
      'No goal: reported. Phase times are medians per request, measured in the server; shares are of the summed request time (the rest is Express, JSON and the sample\'s handler).',
      'The query phase is supabase-js → the Supabase stand-in (HTTP, JWT check, PGlite with RLS) in the same process as the app, so under 10 connections it includes waiting for the single-threaded database.',
    ],
  };
}
