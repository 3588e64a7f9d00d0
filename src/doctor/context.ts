import { decodeJwt } from 'jose';
import type { LogtoSupabaseOptions } from '../bridge.js';
import type { LogtoAuth } from '../core/auth.js';
import type { Env } from '../env.js';
import { resolveLogtoOptions, type ResolvedLogtoOptions } from '../core/options.js';
import { createLogtoVerifier } from '../core/verify.js';
import { resolveSupabaseOptions, type ResolvedSupabaseOptions } from '../supabase/options.js';
import { mintSupabaseJwt } from '../supabase/sign.js';
import { unreachableReason } from './unreachable.js';
import { variableOf } from './variables.js';

export interface DoctorOptions {
  /** A Logto access token to try (required to check third-party mode end to end). */
  token?: string;
  /** The environment the options were read from: messages name the variables set in it. */
  env?: Env;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The subject of the probe JWT minted in mint mode: never a real user. */
export const probeSubject = 'logto-supabase-doctor';

/** An HTTP answer, parsed as JSON when it is JSON; `status` 0 and `error` when there was none. */
export interface Probe {
  status: number;
  body: unknown;
  error?: string;
}

/** A value, or the error that stopped it being made. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What the Supabase probe request carries, and whose id Postgres should then see. */
export interface Bearer {
  bearer: string;
  expectedSubject: string | undefined;
}

/**
 * What the checks share. Each fact (a resolved option set, a fetched document) is made once,
 * by whichever check asks first, so every check reads alone and the table's order is free.
 */
export interface DoctorContext {
  readonly options: LogtoSupabaseOptions;
  readonly token: string | undefined;
  /** The environment variable behind an option, and how to set it. */
  variable(option: string): { name: string; fix: string };
  getJson(url: string, init?: RequestInit): Promise<Probe>;
  logto(): Outcome<ResolvedLogtoOptions>;
  /** The Logto endpoint without trailing slashes. */
  logtoEndpoint(): string;
  discovery(): Promise<Probe>;
  jwks(): Promise<Probe>;
  /** Discovery and key set both answered: a given token can be verified. */
  logtoReachable(): Promise<boolean>;
  supabase(): Outcome<ResolvedSupabaseOptions>;
  /** The Supabase URL without trailing slashes. */
  supabaseBase(): string;
  dataApi(): Promise<Probe>;
  /** The given token, checked against Logto (third-party mode with a token only). */
  verifiedToken(): Promise<Outcome<LogtoAuth> | undefined>;
  /** The bearer of the probe request: a minted JWT, the given token, or none. */
  bearer(): Promise<Bearer | undefined>;
  /** `POST /rest/v1/rpc/logto_supabase_probe` with the bearer. */
  probe(): Promise<Probe | undefined>;
}

const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
};

const outcome = <T>(make: () => T): Outcome<T> => {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    return { ok: false, error };
  }
};

function jsonFetcher(doctor: DoctorOptions): DoctorContext['getJson'] {
  const fetcher = doctor.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = doctor.timeoutMs ?? 5000;
  return async (url, init = {}) => {
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
      return { status: 0, body: undefined, error: unreachableReason(error, url, timeoutMs) };
    }
  };
}

export function createDoctorContext(options: LogtoSupabaseOptions, doctor: DoctorOptions = {}): DoctorContext {
  const getJson = jsonFetcher(doctor);
  const logto = once(() => outcome(() => resolveLogtoOptions(options.logto, 'logto.')));
  const logtoEndpoint = () => String(options.logto.endpoint).replace(/\/+$/, '');
  const supabase = once(() => outcome(() => resolveSupabaseOptions(options.supabase, 'supabase.')));
  const supabaseBase = () => String(options.supabase.url).replace(/\/+$/, '');
  const discovery = once(() => getJson(`${logtoEndpoint()}/oidc/.well-known/openid-configuration`));
  const jwks = once(async () => {
    const resolved = logto();
    return resolved.ok ? getJson(resolved.value.jwksUri) : { status: 0, body: undefined, error: 'no options' };
  });
  const logtoReachable = once(async () => logto().ok && discoveryAnswered(await discovery()) && keysOf(await jwks()) !== undefined);
  const dataApi = once(async () => {
    const resolved = supabase();
    if (!resolved.ok) return { status: 0, body: undefined, error: 'no options' };
    return getJson(`${supabaseBase()}/rest/v1/`, { headers: { apikey: resolved.value.anonKey } });
  });
  const verifiedToken = once(async (): Promise<Outcome<LogtoAuth> | undefined> => {
    const { token } = doctor;
    if (token === undefined || !(await logtoReachable())) return undefined;
    try {
      return { ok: true, value: await createLogtoVerifier({ ...options.logto, cache: false })(token) };
    } catch (error) {
      return { ok: false, error };
    }
  });
  const bearer = once(async (): Promise<Bearer | undefined> => {
    const resolved = supabase();
    if (!resolved.ok) return undefined;
    if (resolved.value.mode === 'mint') {
      return { bearer: (await mintSupabaseJwt(probeSubject, resolved.value)).jwt, expectedSubject: probeSubject };
    }
    if (doctor.token === undefined) return undefined;
    const verified = await verifiedToken();
    return { bearer: doctor.token, expectedSubject: verified?.ok ? (verified.value.userId ?? undefined) : undefined };
  });
  const probe = once(async () => {
    const resolved = supabase();
    const sent = await bearer();
    if (!resolved.ok || !sent || (await dataApi()).status === 0) return undefined;
    return getJson(`${supabaseBase()}/rest/v1/rpc/logto_supabase_probe`, {
      method: 'POST',
      headers: { apikey: resolved.value.anonKey, authorization: `Bearer ${sent.bearer}`, 'content-type': 'application/json' },
      body: '{}',
    });
  });
  return {
    options,
    token: doctor.token,
    variable: (option) => variableOf(option, doctor.env),
    getJson,
    logto,
    logtoEndpoint,
    discovery,
    jwks,
    logtoReachable,
    supabase,
    supabaseBase,
    dataApi,
    verifiedToken,
    bearer,
    probe,
  };
}

/** The discovery document answered with an issuer. */
export function discoveryAnswered(probe: Probe): probe is Probe & { body: { issuer: string; jwks_uri?: string } } {
  return probe.status === 200 && typeof (probe.body as { issuer?: unknown } | undefined)?.issuer === 'string';
}

export interface PublicJwk {
  kty?: string;
  crv?: string;
  alg?: string;
  kid?: string;
}

/** The keys of a JWKS answer, or undefined when it has none. */
export function keysOf(probe: Probe): PublicJwk[] | undefined {
  const keys = (probe.body as { keys?: PublicJwk[] } | undefined)?.keys;
  return probe.status === 200 && Array.isArray(keys) && keys.length > 0 ? keys : undefined;
}

/** The `role` claim of a token, read without verifying it (only to explain a refusal). */
export function unverifiedRole(token: string): unknown {
  try {
    return decodeJwt(token).role;
  } catch {
    return undefined;
  }
}
