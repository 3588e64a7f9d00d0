/**
 * `npx logto-supabase doctor` against the local stack: healthy, and with each classic
 * misconfiguration seeded, asserting the exact ✗ lines a user would read.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/assertions.js';
import { formatChecks, runDoctor } from '../../src/doctor.js';
import { parseDotenv } from '../../src/doctor/dotenv.js';
import { createLogtoSupabase, fromEnv, type Env } from '../../src/index.js';
import { apps, startLocalStack, users, type LocalStack } from '../../examples/local-stack/src/index.js';
import packageJson from '../../package.json';

const run = promisify(execFile);
let stack: LocalStack;

/** The stack's settings as a user writes them in the environment or .env. */
const stackEnv = (): Env => ({
  LOGTO_ENDPOINT: stack.logto.endpoint,
  LOGTO_AUDIENCE: String(stack.options.logto.audience),
  SUPABASE_URL: stack.supabase.url,
  SUPABASE_ANON_KEY: stack.supabase.anonKey,
  SUPABASE_JWT_SECRET: stack.supabase.jwtSecret,
  SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey,
});

/** `logto-supabase …` as a user runs it: its own process, a working folder, stdin if given. */
async function cli(args: string[], { env = {}, cwd = process.cwd(), stdin }: { env?: Env; cwd?: string; stdin?: string } = {}) {
  const child = spawn(resolve('node_modules/.bin/tsx'), [resolve('src/cli.ts'), ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout, stderr };
}

beforeAll(async () => {
  stack = await startLocalStack({ supabase: { databaseUrl: process.env.TEST_DATABASE_URL } });
});
afterAll(() => stack?.stop());

/** The ✗ and ⚠ lines and their fixes: what a user has to act on. */
const failures = (text: string) => text.split('\n').filter((line) => /^[✗⚠]/.test(line) || line.startsWith('    fix:'));


const tokenFix =
  'Give a Logto access token for your API resource in LOGTO_TEST_TOKEN (environment or .env), or on stdin: `… | npx logto-supabase doctor --token -`.';

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
      'machines.service-role',
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
      '✗ Supabase options: SUPABASE_ANON_KEY: holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.',
      '    fix: Set SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) to the anon or sb_publishable_… key from Project Settings → API Keys.',
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
    const marks = (text: string) => text.split('\n').filter((line) => /^[⚠✗]/.test(line) || line.startsWith('    fix:') || /^All|failed\.$/.test(line));
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
        '⚠ Policies that call auth.uid(): public.templated "templated: owners read", public.templated "templated: owners write": auth.uid() casts sub to uuid, so they fail with 22P02 (invalid input syntax for type uuid) for a Logto id',
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
      `✗ Logto discovery document: ${endpoint}/oidc/.well-known/openid-configuration: connection refused: nothing listens at ${endpoint.slice(7)}`,
      '    fix: Check LOGTO_ENDPOINT: the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
      `✗ Logto signing keys (JWKS): ${endpoint}/oidc/jwks: connection refused: nothing listens at ${endpoint.slice(7)}`,
      '    fix: The JWKS must be reachable from this server; check LOGTO_ENDPOINT (or jwksUri) and the network.',
    ]);
    expect(checks.find((check) => check.id === 'supabase.jwt')?.ok).toBe(true);
  });

  it('third-party mode: says to add the role claim in Logto and to register Logto in Supabase', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const thirdParty = { logto: stack.options.logto, supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, mode: 'third-party' as const } };
    expect(failures(formatChecks(await runDoctor(thirdParty)))).toEqual([
      '✗ Supabase accepts Logto tokens (third-party auth): no token to try',
      `    fix: ${tokenFix}`,
    ]);
    expect(failures(formatChecks(await runDoctor(thirdParty, { token: accessToken })))).toEqual([
      '✗ Logto token carries role "authenticated": no role claim',
      '    fix: Add a custom access token claims script in Logto Console (Custom JWT) that returns { role: "authenticated" }.',
      '✗ Supabase accepts the Logto token: HTTP 401 PGRST301',
      '    fix: Register Logto in Supabase (Authentication → Third-party auth → custom OIDC provider, issuer <endpoint>/oidc); key changes can take up to 30 minutes to be picked up.',
    ]);
  });

  it('as a command: exit code 0 and JSON when healthy, 1 with a failure, and never a secret', { timeout: 60_000 }, async () => {
    const env = { ...process.env, ...stackEnv() };
    const cli = ['tsx', 'src/cli.ts', 'doctor'];
    const healthy = await run('npx', [...cli, '--json'], { env });
    const report = JSON.parse(healthy.stdout) as { ok: boolean; checks: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(11);
    expect(report).toMatchObject({ envFile: null });

    const broken = await run('npx', cli, { env: { ...env, SUPABASE_JWT_SECRET: 'x'.repeat(40) } }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in broken ? broken.code : 0).toBe(1);
    expect(broken.stdout).toContain('✗ Supabase accepts the minted JWT: HTTP 401 PGRST301\n');
    for (const secret of [stack.supabase.jwtSecret, stack.supabase.serviceRoleKey, 'x'.repeat(40)]) {
      expect(healthy.stdout + broken.stdout).not.toContain(secret);
    }
  });
});

describe('doctor, for people: messages name the environment variable set, with a fix line', () => {
  const lines = async (env: Env) => failures(formatChecks(await runDoctor(fromEnv(env), { env })));

  it('SUPABASE_AUTH_MODE, not supabase.mode', async () => {
    expect(await lines({ ...stackEnv(), SUPABASE_AUTH_MODE: 'proxy' })).toEqual([
      '✗ Supabase options: SUPABASE_AUTH_MODE: must be "mint" or "third-party".',
      '    fix: Set SUPABASE_AUTH_MODE to "mint" (the default: this server signs Supabase JWTs) or "third-party" (Supabase trusts Logto), or unset it.',
    ]);
  });

  it('SUPABASE_PUBLISHABLE_KEY when that is the one set', async () => {
    const text = await lines({ ...stackEnv(), SUPABASE_ANON_KEY: undefined, SUPABASE_PUBLISHABLE_KEY: stack.supabase.secretKey });
    expect(text).toEqual([
      '✗ Supabase options: SUPABASE_PUBLISHABLE_KEY: holds a service-role/secret key, which bypasses Row-Level Security: use the anon or publishable key here, and serviceRoleKey for the secret one.',
      '    fix: Set SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) to the anon or sb_publishable_… key from Project Settings → API Keys.',
    ]);
    expect(text.join('\n')).not.toContain(stack.supabase.secretKey);
  });

  it('LOGTO_ENDPOINT given with /oidc', async () => {
    expect(await lines({ ...stackEnv(), LOGTO_ENDPOINT: `${stack.logto.endpoint}/oidc` })).toEqual([
      '✗ Logto options: LOGTO_ENDPOINT: is the Logto endpoint without "/oidc" (the issuer is derived as `${endpoint}/oidc`).',
      '    fix: Set LOGTO_ENDPOINT to the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
    ]);
  });

  it('LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS without a service key: what stops the app at start-up, found before', async () => {
    const env = { ...stackEnv(), SUPABASE_SERVICE_ROLE_KEY: undefined, LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS: apps.adminJob.clientId };
    expect(() => createLogtoSupabase(fromEnv(env))).toThrowError('supabase.serviceRoleKey: is required for a service-role client');
    expect(await lines(env)).toEqual([
      '✗ Service-role machine allowlist: LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS lists 1 app(s), but SUPABASE_SERVICE_ROLE_KEY is not set: the app refuses to start',
      '    fix: Set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) to the service_role or sb_secret_… key from Project Settings → API Keys. Or empty the allowlist.',
    ]);
    expect(await lines({ ...env, SUPABASE_SECRET_KEY: stack.supabase.anonKey })).toEqual([
      '✗ Service-role machine allowlist: LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS lists 1 app(s), but SUPABASE_SECRET_KEY holds an anon/publishable key, which cannot bypass RLS: give the service_role or sb_secret_… key.',
      '    fix: Set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) to the service_role or sb_secret_… key from Project Settings → API Keys.',
    ]);
    const healthy = await runDoctor(fromEnv({ ...env, SUPABASE_SERVICE_ROLE_KEY: stack.supabase.serviceRoleKey }));
    expect(healthy.find((check) => check.id === 'machines.service-role')).toMatchObject({
      ok: true,
      detail: `1 machine app(s) get service-role access (RLS bypassed): ${apps.adminJob.clientId}`,
    });
  });

  it('warns on a SUPABASE_URL with a path, naming the project URL to use', async () => {
    const checks = await runDoctor(fromEnv({ ...stackEnv(), SUPABASE_URL: `${stack.supabase.url}/rest/v1/` }));
    expect(failures(formatChecks(checks)).slice(0, 2)).toEqual([
      '⚠ Supabase URL is the project URL: SUPABASE_URL has the path /rest/v1/: supabase-js adds /rest/v1, /auth/v1 and /storage/v1 itself',
      `    fix: Set SUPABASE_URL to ${stack.supabase.url}, the project URL alone.`,
    ]);
  });
});

describe('doctor, for people: why a server is unreachable', () => {
  const logtoAt = async (endpoint: string, timeoutMs?: number) =>
    failures(formatChecks(await runDoctor({ ...stack.options, logto: { ...stack.options.logto, endpoint } }, timeoutMs ? { timeoutMs } : {})));
  const logtoFixes = [
    '    fix: Check LOGTO_ENDPOINT: the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
    '    fix: The JWKS must be reachable from this server; check LOGTO_ENDPOINT (or jwksUri) and the network.',
  ];

  it('DNS: a host that does not resolve; and plain http to another machine is a warning', async () => {
    expect(await logtoAt('http://logto.invalid')).toEqual([
      '⚠ Encrypted connections: http://logto.invalid (LOGTO_ENDPOINT): plain http to another machine, so tokens, keys and rows cross the network readable',
      '    fix: Use https:// URLs: plain http is safe only to this machine (localhost, 127.0.0.1, ::1).',
      '✗ Logto discovery document: http://logto.invalid/oidc/.well-known/openid-configuration: DNS: logto.invalid could not be resolved',
      logtoFixes[0],
      '✗ Logto signing keys (JWKS): http://logto.invalid/oidc/jwks: DNS: logto.invalid could not be resolved',
      logtoFixes[1],
    ]);
  });

  it('TLS: a certificate this machine does not trust', async () => {
    const [cert, key] = await Promise.all(['crt', 'key'].map((ext) => readFile(resolve(`test/helpers/tls/self-signed.${ext}`))));
    const server = createHttpsServer({ cert, key }, (_req, res) => res.end('{}')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await logtoAt(`https://${host}`)).toEqual([
        `✗ Logto discovery document: https://${host}/oidc/.well-known/openid-configuration: TLS: the certificate of ${host} is not trusted here (DEPTH_ZERO_SELF_SIGNED_CERT)`,
        logtoFixes[0],
        `✗ Logto signing keys (JWKS): https://${host}/oidc/jwks: TLS: the certificate of ${host} is not trusted here (DEPTH_ZERO_SELF_SIGNED_CERT)`,
        logtoFixes[1],
      ]);
    } finally {
      server.close();
    }
  });

  it('timeout: a server that accepts and never answers', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createTcpServer((socket) => void sockets.add(socket)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await logtoAt(endpoint, 300)).toEqual([
        `✗ Logto discovery document: ${endpoint}/oidc/.well-known/openid-configuration: timed out after 0.3 s`,
        logtoFixes[0],
        `✗ Logto signing keys (JWKS): ${endpoint}/oidc/jwks: timed out after 0.3 s`,
        logtoFixes[1],
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

describe('doctor, for people: the command', { timeout: 60_000 }, () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'doctor-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  const dotenv = (env: Env) => Object.entries(env).map(([name, value]) => `${name}="${value}"`).join('\n');

  it('--version prints the package version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it('refuses a token on the command line (shell history, ps), saying how to pass it, and never echoes it', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const result = await cli(['doctor', '--token', accessToken], { env: stackEnv() });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'doctor: --token takes no token on the command line, where shell history and `ps` keep it. Pipe it in: `pbpaste | npx logto-supabase doctor --token -` (or `--token - < token.txt`), or set LOGTO_TEST_TOKEN in the environment or .env.\n',
    });
  });

  it('reads .env in the current folder, says so, and lets the environment win', async () => {
    await writeFile(join(folder, '.env'), `# the stack\n${dotenv({ ...stackEnv(), SUPABASE_JWT_SECRET: 'y'.repeat(40) })}\n`);
    const result = await cli(['doctor'], { cwd: folder, env: { SUPABASE_JWT_SECRET: stack.supabase.jwtSecret } });
    expect(result.stdout.split('\n')[0]).toBe('Environment: 6 variable(s) read from .env (those already set in the environment win).');
    expect(result.stdout).toContain('\nAll checks passed.\n');
    expect(result.code).toBe(0);
  });

  it('--env-file and a token from stdin (--token -) or LOGTO_TEST_TOKEN, in third-party mode', async () => {
    const { accessToken } = await stack.logto.signIn('alice');
    const file = join(folder, 'third-party.env');
    const { SUPABASE_JWT_SECRET: _secret, ...env } = stackEnv();
    await writeFile(file, dotenv({ ...env, SUPABASE_AUTH_MODE: 'third-party' }));
    const roleMissing = '✗ Logto token carries role "authenticated": no role claim';
    const piped = await cli(['doctor', '--env-file', file, '--token', '-'], { cwd: folder, stdin: `${accessToken}\n` });
    expect(piped.stdout.split('\n')[0]).toBe(`Environment: 6 variable(s) read from ${file} (those already set in the environment win).`);
    expect(piped.stdout).toContain(`✓ The given Logto token verifies: sub ${users.alice.id}\n${roleMissing}\n`);
    expect(piped.code).toBe(1);
    const fromVariable = await cli(['doctor', '--env-file', file], { cwd: folder, env: { LOGTO_TEST_TOKEN: accessToken } });
    expect(fromVariable.stdout).toContain(`\n${roleMissing}\n`);
    for (const output of [piped, fromVariable]) expect(output.stdout + output.stderr).not.toContain(accessToken);
  });
});

describe('the .env parser', () => {
  it('reads KEY=VALUE, export, quotes, escapes, comments and multi-line values', () => {
    const text = [
      '# a comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED = around  ',
      'COMMENTED=value # not part of it',
      'HASH=a#b',
      "SINGLE='keeps \\n and # as written'",
      'DOUBLE="line\\nbreak and \\"quotes\\""',
      'MULTI="first',
      'second"',
      'EMPTY=',
      'not a variable',
      'WINDOWS=crlf\r',
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SPACED: 'around',
      COMMENTED: 'value',
      HASH: 'a#b',
      SINGLE: 'keeps \\n and # as written',
      DOUBLE: 'line\nbreak and "quotes"',
      MULTI: 'first\nsecond',
      EMPTY: '',
      WINDOWS: 'crlf',
    });
  });
});
