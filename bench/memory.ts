/**
 * 6. Memory and shutdown.
 * Heap: 200,000 requests in process through the bridge (`authenticate`, then a Supabase query on a
 * stubbed fetch), 10,000 distinct users, `cache: { maxEntries: 5000 }`; heap after `gc()` at the
 * start, half-way and at the end, and after the bridge is dropped. Needs `--expose-gc`: `run()`
 * starts this file in a child process with it (`node --expose-gc --import tsx bench/memory.ts child`).
 * Shutdown: a child process serves Express + logtoSupabase with real queries to a loopback
 * Supabase stub, closes its servers and must then exit on its own within 5 s.
 */
import { spawn, fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createLogtoSupabase, type LogtoSupabase, type LogtoSupabaseOptions } from 'logto-supabase';
import { logtoSupabase } from 'logto-supabase/express';
import { startBenchIssuer, type BenchIssuer, type Fixture } from './lib/issuer.js';
import { benchSupabase } from './lib/bench-supabase.js';
import { check, count, type BenchResult } from './lib/report.js';

const users = 10_000;
const requests = 200_000;
const maxEntries = 5000;
/** The library's minted-JWT cache keeps this many entries whatever `cache.maxEntries` says (src/supabase/jwt-cache.ts). */
const mintedEntries = 10_000;
/** After every user's first request, one request in this many also makes a client and queries. */
const queryEvery = 10;
const batch = 100;
const exitLimitMs = 5000;
const self = fileURLToPath(import.meta.url);

interface HeapReport {
  baseline: number;
  half: number;
  end: number;
  released: number;
  seconds: number;
  queries: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run sends the same sequence. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every user once, then 90 % of requests from 4,000 regulars and 10 % from anyone. */
function userSequence(): Uint16Array {
  const next = random(6);
  const sequence = new Uint16Array(requests);
  for (let i = 0; i < requests; i += 1) {
    sequence[i] = i < users ? i : next() < 0.9 ? Math.floor(next() * 4000) : Math.floor(next() * users);
  }
  return sequence;
}

async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    globalThis.gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function measureHeap(fixture: Fixture): Promise<HeapReport> {
  const stubFetch: typeof fetch = async () => new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
  let options: LogtoSupabaseOptions | undefined = {
    logto: { endpoint: fixture.endpoint, audience: fixture.audience, cache: { maxEntries } },
    supabase: { ...benchSupabase, clientOptions: { global: { fetch: stubFetch } } },
  };
  let bridge: LogtoSupabase | undefined = createLogtoSupabase(options);
  const sequence = userSequence();
  let queries = 0;
  const serve = async (index: number) => {
    const { supabase } = await bridge!.authenticate({ authorization: `Bearer ${fixture.tokens[sequence[index]!]}` });
    if (index < users || index % queryEvery === 0) {
      queries += 1;
      const { error } = await supabase.from('posts').select('id');
      if (error) throw new Error(error.message);
    }
  };
  await serve(0); // loads the JWKS and compiles the path
  const baseline = await heapUsed();
  const started = performance.now();
  let half = 0;
  for (let start = 1; start < requests; start += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, requests - start) }, (_, i) => serve(start + i)));
    if (half === 0 && start + batch > requests / 2) half = await heapUsed();
  }
  const seconds = (performance.now() - started) / 1000;
  const end = await heapUsed();
  bridge = undefined;
  options = undefined;
  const released = await heapUsed();
  return { baseline, half, end, released, seconds, queries };
}

/** The shutdown check, in its own process: serve, query, close, and exit without help. */
async function serveAndClose(): Promise<void> {
  const issuer: BenchIssuer = await startBenchIssuer();
  const tokens = await issuer.tokens(20);
  const stub: Server = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const app = express();
  app.use(
    '/api',
    logtoSupabase({
      logto: { endpoint: issuer.endpoint, audience: issuer.audience },
      supabase: { ...benchSupabase, url: `http://127.0.0.1:${(stub.address() as AddressInfo).port}` },
    }),
  );
  app.get('/api/posts', async (req, res) => {
    const { data, error } = await req.supabase!.from('posts').select('id');
    res.status(error ? 500 : 200).json(data ?? error);
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/posts`;
  for (let i = 0; i < 100; i += 1) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    await response.arrayBuffer();
  }
  for (const each of [server, stub]) {
    await new Promise<void>((resolve) => {
      each.close(() => resolve());
      each.closeAllConnections();
    });
  }
  await issuer.close();
  console.log('closed');
}

function checkExit(): Promise<{ exited: boolean; ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', self, 'serve-and-close'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let closedAt = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (closedAt === 0 && chunk.toString().includes('closed')) {
        closedAt = performance.now();
        timer = setTimeout(() => child.kill(), exitLimitMs);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (closedAt === 0) reject(new Error(`the server process failed before closing (${code ?? signal})`));
      else resolve({ exited: signal === null && code === 0, ms: performance.now() - closedAt });
    });
  });
}

function measureInChild(fixture: Fixture): Promise<HeapReport> {
  const child = fork(self, ['child'], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (report: HeapReport | { error: string }) => {
      child.disconnect();
      if ('error' in report) reject(new Error(report.error));
      else resolve(report);
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`the memory process exited with ${code}`)));
    child.send(fixture);
  });
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const fixture = await issuer.fixture(users);
  const heap = await measureInChild(fixture);
  const exit = await checkExit();
  const growth = heap.end - heap.baseline;
  const plateau = heap.end - heap.half;
  const left = heap.released - heap.baseline;
  const entries = maxEntries + mintedEntries;
  const slack = 2 * 1024 * 1024;
  return {
    name: 'memory',
    title: `6. Memory: ${count(requests)} requests in process through the bridge, ${count(users)} users, cache.maxEntries ${count(maxEntries)}; and shutdown`,
    header: ['heap after gc()', 'MB', 'vs start'],
    rows: [
      ['start (bridge made, JWKS loaded)', mb(heap.baseline), ''],
      [`half-way (${count(requests / 2)} requests)`, mb(heap.half), `+${mb(heap.half - heap.baseline)}`],
      [`end (${count(requests)} requests)`, mb(heap.end), `+${mb(growth)}`],
      ['bridge and options dropped', mb(heap.released), `${left >= 0 ? '+' : ''}${mb(left)}`],
    ],
    verdicts: [
      check('heap stops growing once the caches are full (half-way → end)', plateau <= slack, `${plateau >= 0 ? '+' : ''}${mb(plateau)} MB (goal ≤ 2 MB)`),
      check('the growth is the caches: released when the bridge is dropped', left <= slack, `${mb(left)} MB left of +${mb(growth)} MB (goal ≤ 2 MB)`),
      check('the process exits on its own after the server closes', exit.exited && exit.ms <= exitLimitMs, `exited ${(exit.ms / 1000).toFixed(2)} s after close (goal ≤ 5 s)`),
    ],
    notes: [
      `${count(heap.queries)} of the requests also made their supabase-js client and ran a query (every user's first request, then one in ${queryEvery}) against a stubbed fetch; the rest authenticated only. ${heap.seconds.toFixed(1)} s for the ${count(requests)} requests (${batch} at a time).`,
      `Bounds: ${count(maxEntries)} verified tokens (\`cache.maxEntries\`) and ${count(mintedEntries)} minted JWTs (the minted-JWT cache's fixed bound, not tied to \`cache.maxEntries\`): about ${((growth / entries) / 1024).toFixed(1)} KB per entry (growth / ${count(entries)} entries; each holds the ~${fixture.tokens[0]!.length}-byte token, its claims or minted JWT).`,
      'Shutdown: the child served 100 requests (real HTTP, JWKS over loopback, supabase-js queries to a loopback stub), closed its servers and was not told to exit.',
    ],
  };
}

if (process.argv[2] === 'child') {
  process.once('message', (fixture: Fixture) => {
    measureHeap(fixture).then(
      (report) => process.send!(report),
      (error: unknown) => process.send!({ error: error instanceof Error ? error.stack : String(error) }),
    );
  });
} else if (process.argv[2] === 'serve-and-close') {
  await serveAndClose();
}
