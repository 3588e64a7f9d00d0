import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { apps, users } from '../../examples/local-stack/src/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const alice = users.alice.id;
const bob = users.bob.id;
const reporter = apps.reporter.clientId;

interface DemoStep {
  id: string;
  ok: boolean;
  facts: Record<string, any>;
  checks: { name: string; ok: boolean }[];
}

interface DemoRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** `npx tsx examples/demo.ts --json` as a user runs it; the stack's database follows TEST_DATABASE_URL. */
function runDemo(): Promise<DemoRun> {
  const started = performance.now();
  const env = { ...process.env, NO_COLOR: '1', DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' };
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'examples/demo.ts', '--json'], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ exitCode, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

describe('npm run demo -- --json', () => {
  let run: DemoRun;
  let report: { ok: boolean; durationMs: number; stack: Record<string, string>; steps: DemoStep[] };
  const step = (id: string) => report.steps.find((candidate) => candidate.id === id)!;
  const userIds = (rows: { user_id: string }[]) => rows.map((row) => row.user_id);

  beforeAll(async () => {
    run = await runDemo();
    report = JSON.parse(run.stdout);
  }, 40_000);

  it('exits 0 on its own, well within 30 s, after every check held', () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.elapsedMs).toBeLessThan(30_000);
    expect(report.ok).toBe(true);
    expect(report.steps.flatMap((s) => s.checks).filter((check) => !check.ok)).toEqual([]);
  });

  it('prints one JSON object on stdout, without ANSI escapes or a whole token', () => {
    expect(run.stdout.trim().startsWith('{')).toBe(true);
    expect(run.stdout).not.toMatch(/\x1b\[/);
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('walks the guide’s sequence in order', () => {
    expect(report.steps.map((s) => s.id)).toEqual([
      'alice-signs-in',
      'alice-reads-posts',
      'bob-signs-in',
      'bob-reads-posts',
      'fastify-reads-posts',
      'alice-browser-reads-supabase',
      'alice-writes-as-bob',
      'm2m-admin-job',
      'm2m-reporter',
      'forged-token',
    ]);
    expect(report.stack.database).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('shows Alice’s Logto access token briefly: header and claims', () => {
    const { facts } = step('alice-signs-in');
    expect(facts.header).toMatchObject({ alg: 'ES384', typ: 'at+jwt' });
    expect(facts.claims).toMatchObject({ sub: alice, client_id: apps.web.clientId, scope: 'read:posts write:posts' });
  });

  it('shows the Supabase JWT the backend minted for Alice, and her 2 posts', () => {
    const { facts } = step('alice-reads-posts');
    expect(facts.minted).toMatchObject({ alg: 'HS256', sub: alice, role: 'authenticated', aud: 'authenticated', userId: alice });
    expect(facts.database).toMatchObject({ role: 'authenticated', user_id: alice });
    expect(userIds(facts.rows)).toEqual([alice, alice]);
  });

  it('gives Bob his 2 posts', () => {
    expect(userIds(step('bob-reads-posts').facts.rows)).toEqual([bob, bob]);
  });

  it('gives Alice the same 2 posts through the Fastify sample', () => {
    const { facts, checks } = step('fastify-reads-posts');
    expect(facts.status).toBe(200);
    expect(userIds(facts.rows)).toEqual([alice, alice]);
    expect(checks.every((check) => check.ok)).toBe(true);
  });

  it('lets Alice’s browser read her 2 posts from Supabase with the exchanged JWT', () => {
    const { facts } = step('alice-browser-reads-supabase');
    expect(facts.exchange).toMatchObject({ status: 200 });
    expect(facts.issued).toMatchObject({ sub: alice, role: 'authenticated', aud: 'authenticated', cacheControl: 'no-store' });
    expect(facts.supabaseRequest).toMatchObject({ method: 'GET', status: 200 });
    expect(userIds(facts.rows)).toEqual([alice, alice]);
  });

  it('refuses Alice’s write in Bob’s name with 403', () => {
    const { facts } = step('alice-writes-as-bob');
    expect(facts.response).toMatchObject({ status: 403, body: { error: 'forbidden', error_description: 'You are not allowed to do this.' } });
    expect(facts.bobPostCount).toBe(2);
  });

  it('runs the M2M job: the admin job sees all 5 posts, the reporter only its own', () => {
    expect(step('m2m-admin-job').facts.database).toMatchObject({ role: 'service_role' });
    expect(step('m2m-admin-job').facts.rows).toHaveLength(5);
    expect(step('m2m-reporter').facts.database).toMatchObject({ role: 'authenticated', client_id: reporter });
    expect(userIds(step('m2m-reporter').facts.rows)).toEqual([reporter]);
  });

  it('refuses the forged token with 401 and WWW-Authenticate, without asking Supabase', () => {
    const { facts } = step('forged-token');
    expect(facts.response).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(facts.wwwAuthenticate).toMatch(/^Bearer realm="api", error="invalid_token", error_description="/);
    expect(facts.supabaseRequests).toBe(0);
  });
});
