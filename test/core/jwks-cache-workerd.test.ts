/**
 * The Workers KV recipe on workerd itself (miniflare 4, Node 22 from runtimes/): the first cold
 * instance fetches Logto's JWKS and stores it in KV; a second instance, a new workerd process
 * with an empty isolate, verifies from KV without a JWKS request.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, generateTestKey, ISSUER, JWKS_URI, jwksOf, signToken, USER_ID } from '../helpers/tokens.js';

const root = resolve(import.meta.dirname, '../..');
const node22 = join(root, 'runtimes/node_modules/node22/bin/node');
let folder: string;
let bundle: string;

interface InstanceResult {
  status: number;
  body: { userId?: string; stored?: unknown; error?: string };
  jwksRequests: number;
}

/** Starts one workerd instance on the shared KV folder, posts one token, and stops it. */
function coldInstance(config: object): Promise<InstanceResult> {
  return new Promise((done, fail) => {
    // Run in the folder: workerd refuses a persistence path that climbs out of its working directory.
    const child = spawn(node22, [join(root, 'test/helpers/workerd-kv.mjs'), bundle, 'kv'], {
      cwd: folder,
      env: { ...process.env, WORKERD_KV_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = output.split('\n').find((text) => text.startsWith('WORKERD_KV_RESULT '));
      if (code !== 0 || !line) return fail(new Error(`workerd instance failed (exit ${code}):\n${output}`));
      done(JSON.parse(line.slice('WORKERD_KV_RESULT '.length)) as InstanceResult);
    });
  });
}

describe.runIf(existsSync(node22))('Workers KV shares the key set between cold isolates (workerd)', () => {
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'jwks-kv-'));
    bundle = join(folder, 'worker.mjs');
    await build({
      entryPoints: [join(root, 'test/helpers/workerd-kv-worker.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['browser', 'module', 'main'],
      conditions: ['workerd', 'worker', 'browser'],
      outfile: bundle,
      logLevel: 'error',
    });
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('the first instance fetches the JWKS and writes it to KV; the second verifies from KV with no JWKS request', async () => {
    const key = await generateTestKey('ES384', 'logto-kv');
    const config = { token: await signToken(key), issuer: ISSUER, jwksUri: JWKS_URI, audience: AUDIENCE, jwks: jwksOf(key) };

    const first = await coldInstance(config);
    expect(first).toMatchObject({ status: 200, body: { userId: USER_ID }, jwksRequests: 1 });
    expect(first.body.stored).toEqual({ keys: jwksOf(key).keys, fetchedAt: expect.any(Number) });

    const second = await coldInstance(config);
    expect(second).toMatchObject({ status: 200, body: { userId: USER_ID }, jwksRequests: 0 });
  }, 60_000);
});
