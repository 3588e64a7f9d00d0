/**
 * Runs the Next.js App Router sample against the local stack (Logto and Supabase stand-ins):
 * picks a free port, starts the stack with the app's redirect URIs registered, builds the app
 * when needed (`next build --webpack`), then `next start`s it.
 *
 *   npm run example:next            # prints the URL; sign in as alice / alice-password
 *   npm run example:next -- --build # rebuild even if the build looks current
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { api, apps, startLocalStack, type LocalStack } from '../local-stack/src/index.js';

export const appDir = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');

export interface NextSampleOptions {
  /**
   * A running stack. Its web app must already accept `${baseUrl}/callback` as redirect URI and
   * `baseUrl` as post-sign-out URI (see `nextSampleLogtoOptions`), so `port` is required with it.
   * Default: a new stack, stopped by `stop()`.
   */
  stack?: LocalStack;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** `true` always builds, `false` never does, `'auto'` (default) builds when the build is missing or older than the sources. */
  build?: boolean | 'auto';
  /** Echo the Next processes' output (default: only on failure). */
  verbose?: boolean;
}

export interface NextSample {
  baseUrl: string;
  stack: LocalStack;
  /** Stops `next start` (its whole process group) and the stack when this call started it. */
  stop(): Promise<void>;
}

/** The Logto stand-in options that let the sample at `baseUrl` sign users in and out. */
export const nextSampleLogtoOptions = (baseUrl: string) => ({
  redirectUris: [`${baseUrl}/callback`],
  postLogoutRedirectUris: [baseUrl],
});

/** A free TCP port on 127.0.0.1 (free when checked; `next start` binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/** Newest modification time under `path` (skipping build output and dependencies). */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === '.next' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(`${path}/${entry}`));
  }
  return newest;
}

/** True when `.next` is missing or older than the app's or the library's sources. */
export function needsBuild(): boolean {
  const buildId = `${appDir}.next/BUILD_ID`;
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = ['app', 'lib', 'next.config.mjs', 'tsconfig.json'].map((name) => `${appDir}${name}`);
  return [...sources, `${repositoryRoot}src`].some((path) => existsSync(path) && newestMtime(path) > built);
}

/** Runs a Next CLI command in the app folder; rejects with its output when it fails. */
function runNext(args: string[], env: NodeJS.ProcessEnv, verbose: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (verbose) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`next ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output}`)),
    );
  });
}

/** Builds the sample with `next build --webpack` (see next.config.mjs for why webpack). */
export async function buildNextSample(verbose = false): Promise<void> {
  await runNext(['build', '--webpack'], nextEnv({}), verbose);
}

const nextEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  // vitest sets NODE_ENV=test, which Next refuses to build or serve with.
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  ...extra,
});

async function waitUntilReady(baseUrl: string, child: ChildProcess, output: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited (${child.signalCode ?? `exit ${child.exitCode}`}):\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/posts`, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      if (response.status === 401) return; // the app answers, and wants a token: ready
      throw new Error(`unexpected status ${response.status} from ${baseUrl}/api/posts:\n${output()}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('unexpected status')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`next start did not answer within ${timeoutMs} ms:\n${output()}`);
}

/** Kills the process group of a detached child and waits for it to exit. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL'); // anything left in the group
}

export async function startNextSample(options: NextSampleOptions = {}): Promise<NextSample> {
  if (options.stack && options.port === undefined) {
    throw new Error('startNextSample: pass `port` with `stack` (the stack must know the redirect URI; see nextSampleLogtoOptions)');
  }
  const verbose = options.verbose ?? false;
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;

  if (options.build === true || (options.build !== false && needsBuild())) await buildNextSample(verbose);

  const ownStack = !options.stack;
  const stack = options.stack ?? (await startLocalStack({ logto: nextSampleLogtoOptions(baseUrl) }));
  const { supabase } = stack.options;

  const env = nextEnv({
    BASE_URL: baseUrl,
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    LOGTO_ENDPOINT: stack.logto.endpoint,
    LOGTO_APP_ID: apps.web.clientId,
    // The stand-in's web app is a public client (PKCE, no secret).
    LOGTO_APP_SECRET: '',
    LOGTO_AUDIENCE: api.resource,
    SUPABASE_URL: supabase.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
    SUPABASE_JWT_SECRET: supabase.jwtSecret ?? '',
  });
  // The web app never needs the service role.
  delete env.SUPABASE_SERVICE_ROLE_KEY;
  delete env.SUPABASE_SECRET_KEY;

  // Own process group, so stop() also ends anything `next start` spawns.
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (verbose) process.stderr.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  // Should this process exit without stop() (a crash, a test timeout), take next start along.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await killGroup(child);
    if (ownStack) await stack.stop();
  };
  try {
    await waitUntilReady(baseUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, stack, stop };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const build = process.argv.includes('--build') ? true : 'auto';
  console.log(needsBuild() || build === true ? 'Building the Next.js sample (next build --webpack)…' : 'Using the existing build.');
  const sample = await startNextSample({ build });
  console.log(`Next.js sample: ${sample.baseUrl}  (sign in as alice / alice-password or bob / bob-password)`);
  console.log(`Logto stand-in: ${sample.stack.logto.endpoint}   Supabase stand-in: ${sample.stack.options.supabase.url}`);
  console.log('Ctrl+C stops everything.');
  const shutdown = () => {
    sample.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
