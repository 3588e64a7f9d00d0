/** Load generation (autocannon, in this process) against servers running in a child process. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Fixture } from './issuer.js';
import { median } from './report.js';

export const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
export const seconds = Number(process.env.BENCH_SECONDS ?? 2);
export const connections = 10;

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Server CPU time per answered request (µs), when the server's CPU clock was read around the run. */
  cpu?: number;
}

export interface LoadOptions {
  url: string;
  /** Tokens sent as `Authorization: Bearer`, one per request, rotating over the list. */
  tokens: string[];
  /** Run this long, or until `amount` requests were answered. */
  duration?: number;
  amount?: number;
  connections?: number;
}

/** One autocannon run; any non-2xx answer or socket error fails the benchmark (it would measure the wrong thing). */
export async function load({ url, tokens, duration = seconds, amount, connections: clients = connections }: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const started = performance.now();
  // Timed to the last response: autocannon ends an `amount` run on its 1-second tick, not when the last answer came.
  let finished = started;
  const run = autocannon({
    url,
    connections: clients,
    ...(amount === undefined ? { duration } : { amount }),
    requests: [
      {
        method: 'GET',
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
  });
  run.on('response', () => {
    finished = performance.now();
  });
  const result = await run;
  const elapsed = (finished - started) / 1000;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result['2xx'] / elapsed, p50: result.latency.p50, p99: result.latency.p99, requests: result['2xx'] };
}

export type Arm = () => Promise<LoadResult>;

export interface ArmResult {
  runs: LoadResult[];
  /** Medians of the runs (requests: the total). */
  median: LoadResult;
  /** This arm's req/s over the reference arm's in the same round, per round, and their median. */
  ratios: number[];
  ratio: number;
  /** The reference arm's server CPU per request over this arm's, per round (when measured), and their median. */
  cpuRatios: number[];
  cpuRatio: number;
}

const medianOf = (runs: LoadResult[]): LoadResult => ({
  rps: median(runs.map((run) => run.rps)),
  p50: median(runs.map((run) => run.p50)),
  p99: median(runs.map((run) => run.p99)),
  requests: runs.reduce((sum, run) => sum + run.requests, 0),
  ...(runs[0]?.cpu === undefined ? {} : { cpu: median(runs.map((run) => run.cpu!)) }),
});

/**
 * Rounds of every arm in turn (the order rotating each round, so none always goes first) after a
 * warm-up of each; ratios are taken within a round, which keeps drift on a shared machine out of them.
 */
export async function compare<Name extends string>(
  arms: Record<Name, Arm>,
  reference: NoInfer<Name>,
  warmUp: Partial<Record<NoInfer<Name>, Arm>> = {},
  times = rounds,
  serverCpu?: () => Promise<number>,
): Promise<Record<Name, ArmResult>> {
  const names = Object.keys(arms) as Name[];
  for (const name of names) await (warmUp[name] ?? arms[name])();
  const runs = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<Name, LoadResult[]>;
  const timed = async (arm: Arm): Promise<LoadResult> => {
    if (!serverCpu) return arm();
    const before = await serverCpu();
    const result = await arm();
    return { ...result, cpu: ((await serverCpu()) - before) / result.requests };
  };
  for (let round = 0; round < times; round += 1) {
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    for (const name of order) runs[name].push(await timed(arms[name]));
  }
  return Object.fromEntries(
    names.map((name) => {
      const ratios = runs[name].map((run, round) => run.rps / runs[reference][round]!.rps);
      const cpuRatios = serverCpu ? runs[name].map((run, round) => runs[reference][round]!.cpu! / run.cpu!) : [];
      return [name, { runs: runs[name], median: medianOf(runs[name]), ratios, ratio: median(ratios), cpuRatios, cpuRatio: cpuRatios.length > 0 ? median(cpuRatios) : Number.NaN }];
    }),
  ) as Record<Name, ArmResult>;
}

export interface ServerChild {
  ports: Record<string, number>;
  /** The server process's CPU time so far (user + system, µs). */
  cpu(): Promise<number>;
  request<T = unknown>(message: { type: string; [key: string]: unknown }): Promise<T>;
  /** Asks the child to close its servers and waits for it to exit on its own (killed after 5 s). */
  stop(): Promise<{ exitedOnItsOwn: boolean; exitMs: number }>;
}

const childFile = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Starts the servers of a scenario in a child process, so load generation and serving use separate cores. */
export async function startServerChild(scenario: string, fixture: Fixture): Promise<ServerChild> {
  // BENCH_CPU_PROF=<dir> writes a CPU profile of the server process there.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child: ChildProcess = fork(childFile, [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let sequence = 0;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the ${scenario} server process exited (${code})`));
    pending.clear();
  });
  const request = <T>(message: { type: string; [key: string]: unknown }) =>
    new Promise<T>((resolve, reject) => {
      const id = (sequence += 1);
      pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });
  const ports = await request<Record<string, number>>({ type: 'start', scenario, fixture });
  return {
    ports,
    request,
    cpu: () => request<number>({ type: 'cpu' }),
    async stop() {
      const started = performance.now();
      await request({ type: 'stop' });
      child.disconnect();
      const timer = setTimeout(() => child.kill(), 5000);
      await exited;
      clearTimeout(timer);
      return { exitedOnItsOwn: child.signalCode === null, exitMs: performance.now() - started };
    },
  };
}
