import { decodeJwt } from 'jose';
import type { LogtoSupabaseOptions } from './bridge.js';
import { isLogtoAuthError } from './core/errors.js';
import { resolveLogtoOptions } from './core/options.js';
import { createLogtoVerifier } from './core/verify.js';
import { supabaseKeyKind } from './supabase/keys.js';
import { resolveSupabaseOptions } from './supabase/options.js';
import { mintSupabaseJwt } from './supabase/sign.js';

/** One line of the checklist. `fix` says what to change when `ok` is false. */
export interface DoctorCheck {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  /** A Logto access token to try (required to check third-party mode end to end). */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The subject of the probe JWT minted in mint mode: never a real user. */
export const probeSubject = 'logto-supabase-doctor';

interface Probe {
  status: number;
  body: unknown;
  error?: string;
}

/**
 * Checks everything the integration depends on, against the real Logto tenant and Supabase
 * project, and returns a checklist. Secrets are never part of the result.
 *
 * @example
 * const checks = await runDoctor(fromEnv());
 * const healthy = checks.every((check) => check.ok);
 */
export async function runDoctor(options: LogtoSupabaseOptions, doctor: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const fetcher = doctor.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = doctor.timeoutMs ?? 5000;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);

  const getJson = async (url: string, init: RequestInit = {}): Promise<Probe> => {
    try {
      const response = await fetcher(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    } catch (error) {
      return { status: 0, body: undefined, error: error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable' };
    }
  };

  // Logto
  let logtoOk = true;
  try {
    const logto = resolveLogtoOptions(options.logto, 'logto.');
    const endpoint = String(options.logto.endpoint).replace(/\/+$/, '');
    const discoveryUrl = `${endpoint}/oidc/.well-known/openid-configuration`;
    const discovery = await getJson(discoveryUrl);
    const document = discovery.body as { issuer?: string; jwks_uri?: string } | undefined;
    const reachable = discovery.status === 200 && typeof document?.issuer === 'string';
    add({
      id: 'logto.discovery',
      title: 'Logto discovery document',
      ok: reachable,
      detail: reachable ? discoveryUrl : `${discoveryUrl}: ${discovery.error ?? `HTTP ${discovery.status}`}`,
      fix: 'Check LOGTO_ENDPOINT: the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
    });
    if (reachable) {
      const issuer = document!.issuer!;
      const issuerOk = logto.issuers.includes(issuer);
      add({
        id: 'logto.issuer',
        title: 'Logto issuer matches',
        ok: issuerOk,
        detail: issuerOk ? issuer : `the tenant says "${issuer}", the configuration accepts ${logto.issuers.map((i) => `"${i}"`).join(', ')}`,
        fix: 'With a custom domain the issuer follows the host: set LOGTO_ENDPOINT to the domain your apps sign in through, or list both in LOGTO_ISSUER.',
      });
    } else {
      logtoOk = false;
    }
    const jwks = await getJson(logto.jwksUri);
    const keys = (jwks.body as { keys?: Array<{ kty?: string; crv?: string; alg?: string; kid?: string }> } | undefined)?.keys;
    const keysOk = jwks.status === 200 && Array.isArray(keys) && keys.length > 0;
    add({
      id: 'logto.jwks',
      title: 'Logto signing keys (JWKS)',
      ok: keysOk,
      detail: keysOk ? `${keys!.length} key(s) at ${logto.jwksUri}` : `${logto.jwksUri}: ${jwks.error ?? (jwks.status === 200 ? 'no keys' : `HTTP ${jwks.status}`)}`,
      fix: 'The JWKS must be reachable from this server; check LOGTO_ENDPOINT (or jwksUri) and the network.',
    });
    if (keysOk) {
      const algorithms = keys!.map((key) => key.alg ?? (key.kty === 'EC' ? `EC ${key.crv}` : String(key.kty)));
      const usable = keys!.every((key) => (key.alg ? logto.algorithms.includes(key.alg) : key.kty === 'EC' || key.kty === 'RSA'));
      add({
        id: 'logto.algorithms',
        title: 'Logto signing algorithms',
        ok: usable,
        detail: `${algorithms.join(', ')}; allowed: ${logto.algorithms.join(', ')}`,
        fix: 'Add the tenant\'s algorithm to logto.algorithms (asymmetric algorithms only).',
      });
    } else {
      logtoOk = false;
    }
    const bad = logto.audiences.filter((audience) => !/^[a-z][a-z0-9+.-]*:/i.test(audience) || audience.replace(/\/+$/, '') === endpoint);
    add({
      id: 'logto.audience',
      title: 'API resource indicator (audience)',
      ok: bad.length === 0,
      detail: bad.length === 0 ? logto.audiences.join(', ') : `${bad.join(', ')} does not look like an API resource indicator`,
      fix: 'LOGTO_AUDIENCE is the API identifier from Logto Console → API resources (an absolute URI such as https://api.example.com), not the tenant URL or an app id.',
    });
  } catch (error) {
    logtoOk = false;
    add({ id: 'logto.options', title: 'Logto options', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }

  // Supabase
  let supabase;
  try {
    supabase = resolveSupabaseOptions(options.supabase, 'supabase.');
  } catch (error) {
    add({ id: 'supabase.options', title: 'Supabase options', ok: false, detail: error instanceof Error ? error.message : String(error) });
    return checks;
  }
  const base = supabase.url.replace(/\/+$/, '');
  const kind = supabaseKeyKind(supabase.anonKey);
  add({
    id: 'supabase.anon-key',
    title: 'Supabase anon/publishable key',
    ok: kind === 'anon' || kind === 'publishable',
    detail: { anon: 'a legacy anon key', publishable: 'an sb_publishable_ key', unknown: 'not a recognizable Supabase API key' }[kind as string] ?? kind,
    fix: 'SUPABASE_ANON_KEY must be the anon (legacy) or sb_publishable_… key from Project Settings → API Keys.',
  });
  const root = await getJson(`${base}/rest/v1/`, { headers: { apikey: supabase.anonKey } });
  add({
    id: 'supabase.url',
    title: 'Supabase Data API answers',
    ok: root.status !== 0,
    detail: root.status !== 0 ? `${base}/rest/v1/ answered HTTP ${root.status}` : `${base}: ${root.error}`,
    fix: 'Check SUPABASE_URL (https://<project-ref>.supabase.co) and the network.',
  });
  if (root.status === 0) return checks;

  let bearer: string | undefined;
  let expectedSubject: string | undefined;
  if (supabase.mode === 'mint') {
    bearer = (await mintSupabaseJwt(probeSubject, supabase)).jwt;
    expectedSubject = probeSubject;
  } else if (doctor.token !== undefined) {
    bearer = doctor.token;
    if (logtoOk) {
      try {
        const auth = await createLogtoVerifier({ ...options.logto, cache: false })(doctor.token);
        expectedSubject = auth.userId ?? undefined;
        add({ id: 'logto.token', title: 'The given Logto token verifies', ok: true, detail: `sub ${auth.subject}` });
      } catch (error) {
        add({
          id: 'logto.token',
          title: 'The given Logto token verifies',
          ok: false,
          detail: isLogtoAuthError(error) ? error.message : String(error),
          fix: 'Give a current access token for the configured API resource (--token).',
        });
      }
    }
    let role: unknown;
    try {
      role = decodeJwt(doctor.token).role;
    } catch {
      role = undefined;
    }
    add({
      id: 'logto.role-claim',
      title: 'Logto token carries role "authenticated"',
      ok: role === 'authenticated',
      detail: role === undefined ? 'no role claim' : `role ${JSON.stringify(role)}`,
      fix: 'Add a custom access token claims script in Logto Console (Custom JWT) that returns { role: "authenticated" }.',
    });
  } else {
    add({
      id: 'supabase.token',
      title: 'Supabase accepts Logto tokens (third-party auth)',
      ok: false,
      detail: 'no token to try',
      fix: 'Run again with --token <a Logto access token for your API resource>.',
    });
    return checks;
  }

  const probe = await getJson(`${base}/rest/v1/rpc/logto_supabase_probe`, {
    method: 'POST',
    headers: { apikey: supabase.anonKey, authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const code = (probe.body as { code?: string } | undefined)?.code;
  const accepted = probe.status !== 0 && probe.status !== 401;
  add({
    id: 'supabase.jwt',
    title: supabase.mode === 'mint' ? 'Supabase accepts the minted JWT' : 'Supabase accepts the Logto token',
    ok: accepted,
    detail: accepted ? `HTTP ${probe.status}` : `HTTP ${probe.status}${code ? ` ${code}` : ''}${probe.error ? ` (${probe.error})` : ''}`,
    fix: rejectionFix(supabase.mode, supabase.signing?.alg, code),
  });
  if (!accepted) return checks;
  const seen = probe.body as { helpers_version?: number; user_id?: string | null } | undefined;
  const installed = probe.status === 200 && typeof seen?.helpers_version === 'number';
  add({
    id: 'supabase.helpers',
    title: 'logto.* SQL helpers installed',
    ok: installed,
    detail: installed ? `helpers version ${seen!.helpers_version}` : `the probe function answered HTTP ${probe.status}${code ? ` ${code}` : ''}`,
    fix: 'Run the SQL from `npx logto-supabase sql` in the Supabase SQL editor (it is idempotent).',
  });
  if (installed && expectedSubject !== undefined) {
    const same = seen!.user_id === expectedSubject;
    add({
      id: 'supabase.identity',
      title: 'Postgres sees the token\'s user',
      ok: same,
      detail: same ? `logto.user_id() = ${expectedSubject}` : `logto.user_id() = ${String(seen!.user_id)}`,
      fix: 'Re-run `npx logto-supabase sql`: the helpers are outdated.',
    });
  }
  return checks;
}

function rejectionFix(mode: 'mint' | 'third-party', alg: string | undefined, code: string | undefined): string {
  if (mode === 'third-party') {
    return 'Register Logto in Supabase (Authentication → Third-party auth → custom OIDC provider, issuer <endpoint>/oidc); key changes can take up to 30 minutes to be picked up.';
  }
  if (code === 'PGRST303') return 'The JWT was refused as expired or not yet valid: check this server\'s clock.';
  return alg === 'HS256'
    ? 'The JWT secret is wrong, or the legacy secret was revoked after moving to signing keys: copy it from Project Settings → JWT Keys, or use SUPABASE_SIGNING_KEY.'
    : 'The signing key is not trusted yet: import it in Project Settings → JWT Keys and rotate it to current (a standby key is not used to verify), and check its kid.';
}

/** The checklist as the CLI prints it: ✓ or ✗ per line, the fix under each failure, a summary. */
export function formatChecks(checks: DoctorCheck[]): string {
  const lines = checks.flatMap((check) => [
    `${check.ok ? '✓' : '✗'} ${check.title}: ${check.detail}`,
    ...(!check.ok && check.fix ? [`    fix: ${check.fix}`] : []),
  ]);
  const failed = checks.filter((check) => !check.ok).length;
  return `${lines.join('\n')}\n\n${failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`}\n`;
}
