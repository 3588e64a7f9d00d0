/**
 * 7. Cold isolates of a fleet: N fresh instances (an empty process cache: `clearJwksCache()` and a
 * new verifier, as in a new isolate or process) each verify one token. Without a store every one
 * fetches Logto's JWKS; with `logto.jwksCache` only the first does, the others read the store.
 * Judged: JWKS requests (1 with a store against N without) and the first request's latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearJwksCache, createLogtoVerifier, type JsonWebKeySet, type JwksCache } from 'logto-supabase';
import { fileJwksCache } from '../examples/jwks-cache/file.js';
import type { BenchIssuer } from './lib/issuer.js';
import { check, count, median, verdict, type BenchResult } from './lib/report.js';

const isolates = Number(process.env.BENCH_ISOLATES ?? 200);

interface Arm {
  label: string;
  store: () => JwksCache | undefined;
  requests: number;
  latencies: number[];
}

/** A store in this process's memory, answered asynchronously like a network client. */
function memoryStore(): JwksCache {
  const values = new Map<string, string>();
  return {
    get: async (uri) => {
      const text = values.get(uri);
      return text === undefined ? undefined : (JSON.parse(text) as JsonWebKeySet);
    },
    set: async (uri, jwks) => void values.set(uri, JSON.stringify(jwks)),
  };
}

export async function run(issuer: BenchIssuer): Promise<BenchResult> {
  const tokens = await issuer.tokens(isolates);
  const folder = await mkdtemp(join(tmpdir(), 'bench-fleet-'));
  const memory = memoryStore();
  const file = fileJwksCache(join(folder, 'jwks.json'));
  const arms: Arm[] = [
    { label: 'no store', store: () => undefined, requests: 0, latencies: [] },
    { label: 'jwksCache in memory (async, JSON)', store: () => memory, requests: 0, latencies: [] },
    { label: 'jwksCache in a file (examples/jwks-cache/file.ts)', store: () => file, requests: 0, latencies: [] },
  ];
  /** One cold instance of `arm`: returns the milliseconds its first verification took. */
  const coldInstance = async (arm: Arm, token: string) => {
    clearJwksCache();
    const counted: typeof fetch = (input, init) => {
      arm.requests += 1;
      return fetch(input, init);
    };
    const verify = createLogtoVerifier({ endpoint: issuer.endpoint, audience: issuer.audience, cache: false, fetch: counted, jwksCache: arm.store() });
    const started = performance.now();
    await verify(token);
    return performance.now() - started;
  };
  try {
    // Warm-up: code paths compiled; then the counts start from zero, stores empty.
    for (const arm of arms) await coldInstance({ ...arm, store: () => undefined }, tokens[0]!);
    // The arms take turns instance by instance, so a load change on a shared machine hits all.
    for (let index = 0; index < isolates; index += 1) {
      for (const arm of arms) arm.latencies.push(await coldInstance(arm, tokens[index]!));
    }
  } finally {
    clearJwksCache();
    await rm(folder, { recursive: true, force: true });
  }
  const [none, inMemory, inFile] = arms as [Arm, Arm, Arm];
  // The first instance of a store arm fetches (the store is empty); the others are what a fleet sees.
  const later = (arm: Arm) => median(arm.latencies.slice(1));
  return {
    name: 'fleet',
    title: `7. Cold isolates: ${count(isolates)} fresh verifiers (empty process cache) each verify one token, JWKS over loopback HTTP`,
    header: ['instances', 'JWKS requests', 'requests per cold instance after the first', 'first request, median ms (instances 2…N)', 'first instance, ms'],
    rows: arms.map((arm) => [
      arm.label,
      count(arm.requests),
      ((arm.requests - 1) / (isolates - 1)).toFixed(2),
      later(arm).toFixed(2),
      arm.latencies[0]!.toFixed(2),
    ]),
    verdicts: [
      check('JWKS requests with a warm store: 1 for the fleet, none per later cold instance', inMemory.requests === 1 && inFile.requests === 1, `${inMemory.requests} (memory) and ${inFile.requests} (file) for ${isolates} instances`),
      check('JWKS requests without a store: one per cold instance', none.requests === isolates, `${none.requests} for ${isolates} instances`),
      verdict('first-request latency, no store / memory store', later(none) / later(inMemory), 1),
    ],
    notes: [
      `First-request latency ratios: no store / memory store ${(later(none) / later(inMemory)).toFixed(2)}, no store / file store ${(later(none) / later(inFile)).toFixed(2)}.`,
      'The JWKS here is one loopback HTTP request (well under a millisecond of network); against a hosted Logto tenant from an edge location it is a TLS round trip of tens to hundreds of milliseconds, which a store in the same region (Workers KV, Redis) replaces.',
      'Each instance also imports the key (WebCrypto) and verifies the signature, with or without a store: that part of the first request stays.',
    ],
  };
}
