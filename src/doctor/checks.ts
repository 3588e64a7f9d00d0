import { isLogtoAuthError, LogtoSupabaseConfigError } from '../core/errors.js';
import { checkServiceRoleKey } from '../supabase/clients.js';
import { supabaseKeyKind } from '../supabase/keys.js';
import { discoveryAnswered, keysOf, unverifiedRole, type DoctorContext } from './context.js';

/** What one check found: passed (perhaps with a warning and its fix), or failed with the fix. */
export type Finding =
  | { ok: true; detail: string; warning?: undefined }
  | { ok: true; detail: string; warning: true; fix: string }
  | { ok: false; detail: string; fix?: string };

/** One row of the checklist. */
export interface DoctorStep {
  /** Stable, for programs reading `--json`. */
  id: string;
  title: string | ((context: DoctorContext) => string);
  /** The finding, or `undefined` when the check does not apply or what it needs already failed. */
  run(context: DoctorContext): Finding | undefined | Promise<Finding | undefined>;
}

const passed = (detail: string): Finding => ({ ok: true, detail });
const failed = (detail: string, fix?: string): Finding => ({ ok: false, detail, ...(fix === undefined ? {} : { fix }) });
/** Works today, but something will break: the command still succeeds. */
const warned = (detail: string, fix: string): Finding => ({ ok: true, warning: true, detail, fix });
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A configuration error, told with the environment variable behind its option and how to set it;
 * after a `lead`, as the rest of its sentence.
 */
function configFailure(context: DoctorContext, error: unknown, lead?: string): Finding {
  if (!(error instanceof LogtoSupabaseConfigError)) return failed(messageOf(error));
  const { name, fix } = context.variable(error.option);
  const problem = error.message.slice(error.option.length + 2);
  return failed(lead === undefined ? `${name}: ${problem}` : `${lead}${name} ${problem}`, fix);
}

export const logtoOptions: DoctorStep = {
  id: 'logto.options',
  title: 'Logto options',
  run: (context) => {
    const logto = context.logto();
    return logto.ok ? undefined : configFailure(context, logto.error);
  },
};

export const logtoDiscovery: DoctorStep = {
  id: 'logto.discovery',
  title: 'Logto discovery document',
  run: async (context) => {
    if (!context.logto().ok) return undefined;
    const url = `${context.logtoEndpoint()}/oidc/.well-known/openid-configuration`;
    const discovery = await context.discovery();
    if (discoveryAnswered(discovery)) return passed(url);
    return failed(
      `${url}: ${discovery.error ?? `HTTP ${discovery.status}`}`,
      'Check LOGTO_ENDPOINT: the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
    );
  },
};

export const logtoIssuer: DoctorStep = {
  id: 'logto.issuer',
  title: 'Logto issuer matches',
  run: async (context) => {
    const logto = context.logto();
    const discovery = await context.discovery();
    if (!logto.ok || !discoveryAnswered(discovery)) return undefined;
    const { issuer } = discovery.body;
    const accepted = logto.value.issuers;
    if (accepted.includes(issuer)) return passed(issuer);
    return failed(
      `the tenant says "${issuer}", the configuration accepts ${accepted.map((i) => `"${i}"`).join(', ')}`,
      'With a custom domain the issuer follows the host: set LOGTO_ENDPOINT to the domain your apps sign in through, or list both in LOGTO_ISSUER.',
    );
  },
};

export const logtoJwks: DoctorStep = {
  id: 'logto.jwks',
  title: 'Logto signing keys (JWKS)',
  run: async (context) => {
    const logto = context.logto();
    if (!logto.ok) return undefined;
    const { jwksUri } = logto.value;
    const jwks = await context.jwks();
    const keys = keysOf(jwks);
    if (keys) return passed(`${keys.length} key(s) at ${jwksUri}`);
    return failed(
      `${jwksUri}: ${jwks.error ?? (jwks.status === 200 ? 'no keys' : `HTTP ${jwks.status}`)}`,
      'The JWKS must be reachable from this server; check LOGTO_ENDPOINT (or jwksUri) and the network.',
    );
  },
};

export const logtoAlgorithms: DoctorStep = {
  id: 'logto.algorithms',
  title: 'Logto signing algorithms',
  run: async (context) => {
    const logto = context.logto();
    const keys = keysOf(await context.jwks());
    if (!logto.ok || !keys) return undefined;
    const allowed = logto.value.algorithms;
    const algorithms = keys.map((key) => key.alg ?? (key.kty === 'EC' ? `EC ${key.crv}` : String(key.kty)));
    const usable = keys.every((key) => (key.alg ? allowed.includes(key.alg) : key.kty === 'EC' || key.kty === 'RSA'));
    const detail = `${algorithms.join(', ')}; allowed: ${allowed.join(', ')}`;
    return usable ? passed(detail) : failed(detail, 'Add the tenant\'s algorithm to logto.algorithms (asymmetric algorithms only).');
  },
};

export const logtoAudience: DoctorStep = {
  id: 'logto.audience',
  title: 'API resource indicator (audience)',
  run: (context) => {
    const logto = context.logto();
    if (!logto.ok) return undefined;
    const { audiences } = logto.value;
    const endpoint = context.logtoEndpoint();
    const bad = audiences.filter((audience) => !/^[a-z][a-z0-9+.-]*:/i.test(audience) || audience.replace(/\/+$/, '') === endpoint);
    if (bad.length === 0) return passed(audiences.join(', '));
    return failed(
      `${bad.join(', ')} does not look like an API resource indicator`,
      'LOGTO_AUDIENCE is the API identifier from Logto Console → API resources (an absolute URI such as https://api.example.com), not the tenant URL or an app id.',
    );
  },
};

export const supabaseOptions: DoctorStep = {
  id: 'supabase.options',
  title: 'Supabase options',
  run: (context) => {
    const supabase = context.supabase();
    return supabase.ok ? undefined : configFailure(context, supabase.error);
  },
};

const keyDescriptions: Record<string, string> = {
  anon: 'a legacy anon key',
  publishable: 'an sb_publishable_ key',
  unknown: 'not a recognizable Supabase API key',
};

export const supabaseAnonKey: DoctorStep = {
  id: 'supabase.anon-key',
  title: 'Supabase anon/publishable key',
  run: (context) => {
    const supabase = context.supabase();
    if (!supabase.ok) return undefined;
    const kind = supabaseKeyKind(supabase.value.anonKey);
    const detail = keyDescriptions[kind] ?? kind;
    if (kind === 'anon' || kind === 'publishable') return passed(detail);
    return failed(detail, 'SUPABASE_ANON_KEY must be the anon (legacy) or sb_publishable_… key from Project Settings → API Keys.');
  },
};

export const supabaseDataApi: DoctorStep = {
  id: 'supabase.url',
  title: 'Supabase Data API answers',
  run: async (context) => {
    if (!context.supabase().ok) return undefined;
    const base = context.supabaseBase();
    const root = await context.dataApi();
    if (root.status !== 0) return passed(`${base}/rest/v1/ answered HTTP ${root.status}`);
    return failed(`${base}: ${root.error}`, 'Check SUPABASE_URL (https://<project-ref>.supabase.co) and the network.');
  },
};

/** Third-party mode with a token: does Logto accept it? (Supabase's verdict comes next.) */
export const logtoToken: DoctorStep = {
  id: 'logto.token',
  title: 'The given Logto token verifies',
  run: async (context) => {
    const verified = await context.verifiedToken();
    if (!verified || !(await thirdPartyProbeRuns(context))) return undefined;
    if (verified.ok) return passed(`sub ${verified.value.subject}`);
    return failed(
      isLogtoAuthError(verified.error) ? verified.error.message : String(verified.error),
      `The token must be a current access token for the configured API resource. ${tokenFix}`,
    );
  },
};

export const logtoRoleClaim: DoctorStep = {
  id: 'logto.role-claim',
  title: 'Logto token carries role "authenticated"',
  run: async (context) => {
    if (context.token === undefined || !(await thirdPartyProbeRuns(context))) return undefined;
    const role = unverifiedRole(context.token);
    if (role === 'authenticated') return passed('role "authenticated"');
    return failed(
      role === undefined ? 'no role claim' : `role ${JSON.stringify(role)}`,
      'Add a custom access token claims script in Logto Console (Custom JWT) that returns { role: "authenticated" }.',
    );
  },
};

export const supabaseTokenGiven: DoctorStep = {
  id: 'supabase.token',
  title: 'Supabase accepts Logto tokens (third-party auth)',
  run: async (context) => {
    if (context.token !== undefined || !(await thirdPartyProbeRuns(context))) return undefined;
    return failed('no token to try', tokenFix);
  },
};

/** How to hand doctor a token without putting it in shell history or `ps`. */
const tokenFix =
  'Give a Logto access token for your API resource in LOGTO_TEST_TOKEN (environment or .env), or on stdin: `… | npx logto-supabase doctor --token -`.';

/** Third-party mode with a reachable Data API: the checks of the Logto token apply. */
async function thirdPartyProbeRuns(context: DoctorContext): Promise<boolean> {
  const supabase = context.supabase();
  return supabase.ok && supabase.value.mode === 'third-party' && (await context.dataApi()).status !== 0;
}

const codeOf = (body: unknown) => (body as { code?: string } | undefined)?.code;

/** The probe got past Supabase's JWT check. */
const accepted = (status: number) => status !== 0 && status !== 401;

export const supabaseAcceptsJwt: DoctorStep = {
  id: 'supabase.jwt',
  title: (context) => {
    const supabase = context.supabase();
    return supabase.ok && supabase.value.mode === 'third-party' ? 'Supabase accepts the Logto token' : 'Supabase accepts the minted JWT';
  },
  run: async (context) => {
    const probe = await context.probe();
    const supabase = context.supabase();
    if (!probe || !supabase.ok) return undefined;
    const code = codeOf(probe.body);
    if (accepted(probe.status)) return passed(`HTTP ${probe.status}`);
    return failed(
      `HTTP ${probe.status}${code ? ` ${code}` : ''}${probe.error ? ` (${probe.error})` : ''}`,
      rejectionFix(supabase.value.mode, supabase.value.signing?.alg, code),
    );
  },
};

function rejectionFix(mode: 'mint' | 'third-party', alg: string | undefined, code: string | undefined): string {
  if (mode === 'third-party') {
    return 'Register Logto in Supabase (Authentication → Third-party auth → custom OIDC provider, issuer <endpoint>/oidc); key changes can take up to 30 minutes to be picked up.';
  }
  if (code === 'PGRST303') return 'The JWT was refused as expired or not yet valid: check this server\'s clock.';
  return alg === 'HS256'
    ? 'The JWT secret is wrong, or the legacy secret was revoked after moving to signing keys: copy it from Project Settings → JWT Keys, or use SUPABASE_SIGNING_KEY.'
    : 'The signing key is not trusted yet: import it in Project Settings → JWT Keys and rotate it to current (a standby key is not used to verify), and check its kid.';
}

interface ProbeAnswer {
  helpers_version?: number;
  user_id?: string | null;
  /** Since helpers version 2. */
  auth_uid_policies?: Array<{ table: string; name: string }>;
}

/** The probe function answered with its version: the SQL is installed. */
async function installedProbe(context: DoctorContext): Promise<ProbeAnswer | undefined> {
  const probe = await context.probe();
  const body = probe?.body as ProbeAnswer | undefined;
  return probe?.status === 200 && typeof body?.helpers_version === 'number' ? body : undefined;
}

export const supabaseHelpers: DoctorStep = {
  id: 'supabase.helpers',
  title: 'logto.* SQL helpers installed',
  run: async (context) => {
    const probe = await context.probe();
    if (!probe || !accepted(probe.status)) return undefined;
    const installed = await installedProbe(context);
    if (installed) return passed(`helpers version ${installed.helpers_version}`);
    const code = codeOf(probe.body);
    return failed(
      `the probe function answered HTTP ${probe.status}${code ? ` ${code}` : ''}`,
      'Run the SQL from `npx logto-supabase sql` in the Supabase SQL editor (it is idempotent).',
    );
  },
};

export const supabaseIdentity: DoctorStep = {
  id: 'supabase.identity',
  title: 'Postgres sees the token\'s user',
  run: async (context) => {
    const installed = await installedProbe(context);
    const expected = (await context.bearer())?.expectedSubject;
    if (!installed || expected === undefined) return undefined;
    if (installed.user_id === expected) return passed(`logto.user_id() = ${expected}`);
    return failed(`logto.user_id() = ${String(installed.user_id)}`, 'Re-run `npx logto-supabase sql`: the helpers are outdated.');
  },
};

/**
 * `auth.uid()` casts `sub` to uuid: with Logto ids as `sub` (subject mode 'logto', third-party
 * mode) every policy calling it fails with 22P02 once a request reaches a row. The probe lists
 * those that apply to the probe's role on tables it may use (all it can see).
 */
export const supabaseAuthUidPolicies: DoctorStep = {
  id: 'supabase.auth-uid-policies',
  title: 'Policies that call auth.uid()',
  run: async (context) => {
    const installed = await installedProbe(context);
    const supabase = context.supabase();
    if (!installed || !supabase.ok) return undefined;
    const policies = installed.auth_uid_policies;
    if (!Array.isArray(policies)) {
      return warned(`not checked (helpers version ${installed.helpers_version})`, 'Re-run `npx logto-supabase sql`: newer helpers let doctor list them.');
    }
    if (policies.length === 0) return passed('none');
    const names = policies.map(({ table, name }) => `${table} "${name}"`).join(', ');
    if (supabase.value.uuidNamespace !== undefined) return passed(`${names}: they work, sub is a UUID (jwt.subject 'uuid')`);
    return warned(
      `${names}: auth.uid() casts sub to uuid, so they fail with 22P02 (invalid input syntax for type uuid) for a Logto id`,
      supabase.value.mode === 'third-party'
        ? 'Use (select logto.user_id()) in place of auth.uid() (compared with a text column).'
        : "Use (select logto.user_id()) in place of auth.uid() (compared with a text column), or set supabase.jwt.subject: 'uuid' (SUPABASE_JWT_SUBJECT=uuid) so sub is a UUID.",
    );
  },
};

const loopbackHost = /^(localhost|[^.]+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Plain http to another machine: what a token, key or row sent there crosses the network as. */
function isPlainRemote(url: unknown): boolean {
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === 'http:' && !loopbackHost.test(parsed.hostname);
  } catch {
    return false;
  }
}

export const plainHttp: DoctorStep = {
  id: 'transport.https',
  title: 'Encrypted connections',
  run: (context) => {
    const { logto, supabase } = context.options;
    const resolved = context.logto();
    const urls: [string, unknown][] = [
      [context.variable('logto.endpoint').name, logto?.endpoint],
      ['logto.jwksUri', resolved.ok ? resolved.value.jwksUri : logto?.jwksUri],
      [context.variable('supabase.url').name, supabase?.url],
    ];
    const origins = new Map<string, string>();
    for (const [name, url] of urls) {
      if (isPlainRemote(url) && !origins.has(new URL(String(url)).origin)) origins.set(new URL(String(url)).origin, name);
    }
    if (origins.size === 0) return undefined;
    return warned(
      `${[...origins].map(([origin, name]) => `${origin} (${name})`).join(', ')}: plain http to another machine, so tokens, keys and rows cross the network readable`,
      'Use https:// URLs: plain http is safe only to this machine (localhost, 127.0.0.1, ::1).',
    );
  },
};

export const supabaseUrlPath: DoctorStep = {
  id: 'supabase.url-path',
  title: 'Supabase URL is the project URL',
  run: (context) => {
    if (!context.supabase().ok || !URL.canParse(String(context.options.supabase.url))) return undefined;
    const url = new URL(String(context.options.supabase.url));
    if (url.pathname.replace(/\/+$/, '') === '' && url.search === '') return undefined;
    const { name } = context.variable('supabase.url');
    return warned(
      `${name} has the path ${url.pathname}${url.search}: supabase-js adds /rest/v1, /auth/v1 and /storage/v1 itself`,
      `Set ${name} to ${url.origin}, the project URL alone.`,
    );
  },
};

/** An allowlist without a usable service key stops the app at start-up: say so before that. */
export const machinesServiceRole: DoctorStep = {
  id: 'machines.service-role',
  title: 'Service-role machine allowlist',
  run: (context) => {
    const clientIds = context.options.machines?.serviceRole?.clientIds;
    if (!Array.isArray(clientIds) || clientIds.length === 0) return undefined;
    const allowlist = `${context.variable('machines.serviceRole.clientIds').name} lists ${clientIds.length} app(s), but `;
    const key = context.options.supabase?.serviceRoleKey;
    if (key === undefined) {
      const { name, fix } = context.variable('supabase.serviceRoleKey');
      return failed(`${allowlist}${name} is not set: the app refuses to start`, `${fix} Or empty the allowlist.`);
    }
    try {
      checkServiceRoleKey(key);
    } catch (error) {
      return configFailure(context, error, allowlist);
    }
    return passed(`${clientIds.length} machine app(s) get service-role access (RLS bypassed): ${clientIds.join(', ')}`);
  },
};

/** The checklist, in the order it is printed. A new check is a new row. */
export const doctorChecks: readonly DoctorStep[] = [
  logtoOptions,
  plainHttp,
  logtoDiscovery,
  logtoIssuer,
  logtoJwks,
  logtoAlgorithms,
  logtoAudience,
  supabaseOptions,
  supabaseAnonKey,
  machinesServiceRole,
  supabaseUrlPath,
  supabaseDataApi,
  logtoToken,
  logtoRoleClaim,
  supabaseTokenGiven,
  supabaseAcceptsJwt,
  supabaseHelpers,
  supabaseIdentity,
  supabaseAuthUidPolicies,
];
