/**
 * `npx logto-supabase doctor` against the local stack: healthy, and with each classic
 * misconfiguration seeded, asserting the exact ✗ lines a user would read.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/assertions.js';
import { formatChecks, runDoctor } from '../../src/doctor.js';
import { startLocalStack, type LocalStack } from '../../examples/local-stack/src/index.js';

const run = promisify(execFile);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ supabase: { databaseUrl: process.env.TEST_DATABASE_URL } });
});
afterAll(() => stack?.stop());

const failures = (text: string) => text.split('\n').filter((line) => line.startsWith('✗') || line.startsWith('    fix:'));


describe('logto-supabase doctor', () => {
  it('passes every check on a healthy set-up, and sees the probe subject in Postgres', async () => {
    const checks = await runDoctor(stack.options);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(checks.map((check) => check.id)).toEqual([
      'logto.discovery',
      'logto.issuer',
      'logto.jwks',
      'logto.algorithms',
      'logto.audience',
      'supabase.anon-key',
      'supabase.url',
      'supabase.jwt',
      'supabase.helpers',
      'supabase.identity',
      'supabase.auth-uid-policies',
    ]);
    expect(formatChecks(checks)).toContain('✓ Postgres sees the token\'s user: logto.user_id() = logto-supabase-doctor\n');
  });

  it('names a wrong JWT secret and how to fix it', async () => {
    const checks = await runDoctor({ ...stack.options, supabase: { ...stack.options.supabase, jwtSecret: 'not-the-project-secret-0123456789abcdef' } });
    expect(failures(formatChecks(checks))).toEqual([
      '✗ Supabase accepts the minted JWT: HTTP 401 PGRST301',
      '    fix: The JWT secret is wrong, or the legacy secret was revoked after moving to signing keys: copy it from Project Settings → JWT Keys, or use SUPABASE_SIGNING_KEY.',
    ]);
  });

  it('catches the custom-domain trap: the tenant issues tokens under another issuer', async () => {
    const endpoint = stack.logto.endpoint.replace('127.0.0.1', 'localhost');
    const checks = await runDoctor({ ...stack.options, logto: { ...stack.options.logto, endpoint } });
    expect(failures(formatChecks(checks))).toEqual([
      `✗ Logto issuer matches: the tenant says "${stack.logto.issuer}", the configuration accepts "${endpoint}/oidc"`,
      '    fix: With a custom domain the issuer follows the host: set LOGTO_ENDPOINT to the domain your apps sign in through, or list both in LOGTO_ISSUER.',
    ]);
  });

  it('refuses a secret key given as the anon key, without printing it', async () => {
    const checks = await runDoctor({ ...stack.options, supabase: { ...stack.options.supabase, anonKey: stack.supabase.secretKey } });
    const text = formatChecks(checks);
    expect(failures(text)).toEqual([
      '✗ Supabase options: supabase.anonKey: holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.',
    ]);
    expect(text).not.toContain(stack.supabase.secretKey);
  });

  it('finds the SQL helpers missing', async () => {
    await stack.supabase.db.exec('drop function public.logto_supabase_probe()');
    try {
      const checks = await runDoctor(stack.options);
      expect(failures(formatChecks(checks))).toEqual([
        '✗ logto.* SQL helpers installed: the probe function answered HTTP 404 PGRST202',
        '    fix: Run the SQL from `npx logto-supabase sql` in the Supabase SQL editor (it is idempotent).',
      ]);
    } finally {
      await stack.supabase.db.exec((await import('../../src/sql/index.js')).logtoSql);
    }
  });

  describe('policies that call auth.uid()', () => {
    const marks = (text: string) => text.split('\n').filter((line) => /^[!✗]/.test(line) || line.startsWith('    fix:') || /^All|failed\.$/.test(line));
    beforeAll(() =>
      stack.supabase.db.exec(`
        create table public.templated (owner uuid, body text);
        alter table public.templated enable row level security;
        grant select, insert on public.templated to authenticated;
        create policy "templated: owners read" on public.templated for select to authenticated using (auth.uid() = owner);
        create policy "templated: owners write" on public.templated for insert to authenticated with check ((select auth.uid()) = owner);
        create table public.server_only (owner uuid);
        alter table public.server_only enable row level security;
        create policy "server_only: service" on public.server_only for select to service_role using (auth.uid() = owner);
        create policy "server_only: users" on public.server_only for select to authenticated using (auth.uid() = owner);
        create policy "posts: owners (logto helper)" on public.posts for select to authenticated using (user_id = (select logto.user_id()));
      `),
    );
    afterAll(() => stack.supabase.db.exec('drop table public.templated, public.server_only; drop policy "posts: owners (logto helper)" on public.posts;'));

    it("subject 'logto': warns, naming each one a user's request runs (not on tables users may not use, not other roles'), with the fix", async () => {
      const checks = await runDoctor(stack.options);
      expect(checks.every((check) => check.ok)).toBe(true);
      expect(marks(formatChecks(checks))).toEqual([
        '! Policies that call auth.uid(): public.templated "templated: owners read", public.templated "templated: owners write": auth.uid() casts sub to uuid, so they fail with 22P02 (invalid input syntax for type uuid) for a Logto id',
        "    fix: Use (select logto.user_id()) in place of auth.uid() (compared with a text column), or set supabase.jwt.subject: 'uuid' (SUPABASE_JWT_SUBJECT=uuid) so sub is a UUID.",
        'All checks passed, with 1 warning(s).',
      ]);
    });

    it("subject 'uuid': lists them as working", async () => {
      const checks = await runDoctor({ ...stack.options, supabase: { ...stack.options.supabase, jwt: { subject: 'uuid' } } });
      expect(checks.find((check) => check.id === 'supabase.auth-uid-policies')).toEqual({
        id: 'supabase.auth-uid-policies',
        title: 'Policies that call auth.uid()',
        ok: true,
        detail: 'public.templated "templated: owners read", public.templated "templated: owners write": they work, sub is a UUID (jwt.subject \'uuid\')',
      });
      expect(formatChecks(checks)).toContain('\n\nAll checks passed.\n');
    });
  });

  it('reports Logto down without stopping the Supabase checks', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const checks = await runDoctor({ ...stack.options, logto: { ...stack.options.logto, endpoint } });
    expect(failures(formatChecks(checks))).toEqual([
      `✗ Logto discovery document: ${endpoint}/oidc/.well-known/openid-configuration: unreachable`,
      '    fix: Check LOGTO_ENDPOINT: the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
      `✗ Logto signing keys (JWKS): ${endpoint}/oidc/jwks: unreachable`,
      '    fix: The JWKS must be reachable from this server; check LOGTO_ENDPOINT (or jwksUri) and the network.',
    ]);
    expect(checks.find((check) => check.id === 'supabase.jwt')?.ok).toBe(true);
  });

  it('third-party mode: says to add the role claim in Logto and to register Logto in Supabase', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const thirdParty = { logto: stack.options.logto, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' as const } };
    expect(failures(formatChecks(await runDoctor(thirdParty)))).toEqual([
      '✗ Supabase accepts Logto tokens (third-party auth): no token to try',
      '    fix: Run again with --token <a Logto access token for your API resource>.',
    ]);
    expect(failures(formatChecks(await runDoctor(thirdParty, { token: accessToken })))).toEqual([
      '✗ Logto token carries role "authenticated": no role claim',
      '    fix: Add a custom access token claims script in Logto Console (Custom JWT) that returns { role: "authenticated" }.',
      '✗ Supabase accepts the Logto token: HTTP 401 PGRST301',
      '    fix: Register Logto in Supabase (Authentication → Third-party auth → custom OIDC provider, issuer <endpoint>/oidc); key changes can take up to 30 minutes to be picked up.',
    ]);
  });

  it('as a command: exit code 0 and JSON when healthy, 1 with a failure, and never a secret', { timeout: 60_000 }, async () => {
    const env = {
      ...process.env,
      LOGTO_ENDPOINT: stack.logto.endpoint,
      LOGTO_AUDIENCE: String(stack.options.logto.audience),
      SUPABASE_URL: stack.supabase.url,
      SUPABASE_ANON_KEY: stack.supabase.anonKey,
      SUPABASE_JWT_SECRET: stack.supabase.jwtSecret,
      SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey,
    };
    const cli = ['tsx', 'src/cli.ts', 'doctor'];
    const healthy = await run('npx', [...cli, '--json'], { env });
    const report = JSON.parse(healthy.stdout) as { ok: boolean; checks: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(11);

    const broken = await run('npx', cli, { env: { ...env, SUPABASE_JWT_SECRET: 'x'.repeat(40) } }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in broken ? broken.code : 0).toBe(1);
    expect(broken.stdout).toContain('✗ Supabase accepts the minted JWT: HTTP 401 PGRST301\n');
    for (const secret of [stack.supabase.jwtSecret, stack.supabase.serviceRoleKey, 'x'.repeat(40)]) {
      expect(healthy.stdout + broken.stdout).not.toContain(secret);
    }
  });
});
