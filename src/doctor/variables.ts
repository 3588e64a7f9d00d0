import type { Env } from '../env.js';

interface Variable {
  /** The variables `fromEnv` reads for the option, the preferred one first. */
  names: string[];
  fix: string;
}

/** Options as `fromEnv` fills them, so doctor speaks of what the user set. */
const variables: Record<string, Variable> = {
  'logto.endpoint': {
    names: ['LOGTO_ENDPOINT'],
    fix: 'Set LOGTO_ENDPOINT to the tenant URL (https://<tenant-id>.logto.app or your custom domain), without /oidc.',
  },
  'logto.audience': {
    names: ['LOGTO_AUDIENCE'],
    fix: 'Set LOGTO_AUDIENCE to the API identifier from Logto Console → API resources (e.g. https://api.example.com); several: comma-separated.',
  },
  'logto.issuer': {
    names: ['LOGTO_ISSUER'],
    fix: 'Set LOGTO_ISSUER to the issuer(s) your tokens carry (<endpoint>/oidc), comma-separated, or unset it.',
  },
  'supabase.url': {
    names: ['SUPABASE_URL'],
    fix: 'Set SUPABASE_URL to the project URL (https://<project-ref>.supabase.co) from Project Settings → Data API.',
  },
  'supabase.mode': {
    names: ['SUPABASE_AUTH_MODE'],
    fix: 'Set SUPABASE_AUTH_MODE to "mint" (the default: this server signs Supabase JWTs) or "third-party" (Supabase trusts Logto), or unset it.',
  },
  'supabase.anonKey': {
    names: ['SUPABASE_ANON_KEY', 'SUPABASE_PUBLISHABLE_KEY'],
    fix: 'Set SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) to the anon or sb_publishable_… key from Project Settings → API Keys.',
  },
  'supabase.jwtSecret': {
    names: ['SUPABASE_JWT_SECRET'],
    fix: 'Set SUPABASE_JWT_SECRET to Project Settings → JWT Keys → Legacy JWT secret, or SUPABASE_SIGNING_KEY instead (or SUPABASE_AUTH_MODE=third-party).',
  },
  'supabase.signingKey': {
    names: ['SUPABASE_SIGNING_KEY'],
    fix: 'Set SUPABASE_SIGNING_KEY to the private JWK (JSON, ES256 or RS256, with its kid) you imported in Project Settings → JWT Keys.',
  },
  'supabase.serviceRoleKey': {
    names: ['SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_SECRET_KEY'],
    fix: 'Set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) to the service_role or sb_secret_… key from Project Settings → API Keys.',
  },
  'supabase.jwt.subject': {
    names: ['SUPABASE_JWT_SUBJECT'],
    fix: 'Set SUPABASE_JWT_SUBJECT to "logto" (the default) or "uuid", or unset it.',
  },
  'supabase.jwt.uuidNamespace': {
    names: ['SUPABASE_JWT_UUID_NAMESPACE'],
    fix: 'Set SUPABASE_JWT_UUID_NAMESPACE to a UUID, or unset it for the default namespace.',
  },
  'machines.serviceRole.clientIds': {
    names: ['LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS'],
    fix: 'Set LOGTO_M2M_SERVICE_ROLE_CLIENT_IDS to Logto application ids of machine-to-machine apps, comma-separated.',
  },
};

/**
 * The environment variable behind an option (the one the user set, where there are two), and
 * the fix line; an option no variable sets keeps its name.
 */
export function variableOf(option: string, env: Env | undefined): { name: string; fix: string } {
  const variable = variables[option];
  if (!variable) return { name: option, fix: `Correct ${option} where your code builds the options.` };
  const name = variable.names.find((candidate) => (env?.[candidate] ?? '').trim() !== '') ?? variable.names[0]!;
  return { name, fix: variable.fix };
}
