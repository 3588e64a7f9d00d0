import type { SupabaseClient } from '@supabase/supabase-js';
import { missingScopes } from './core/assert-scopes.js';
import { assertNotExpired, type LogtoAuth } from './core/auth.js';
import { extractBearerToken, uncheckedBearerToken, type BearerSource } from './core/bearer.js';
import { configError, LogtoAuthError } from './core/errors.js';
import { withoutCredentials } from './core/jwks.js';
import { resolveLogger, type Log, type LogtoSupabaseLogger } from './core/log.js';
import { resolveVerifierOptions, scopeList, type LogtoVerifierOptions, type ResolvedVerifierOptions } from './core/options.js';
import { inspectCustom, showInLogsAs } from './core/redact.js';
import { verifierFor } from './core/verify.js';
import {
  assertThirdPartyRole,
  checkServiceRoleKey,
  createAnonSupabaseClient,
  createServiceRoleClient,
} from './supabase/clients.js';
import { UserClientCache } from './supabase/client-cache.js';
import { cachedMintedJwt } from './supabase/jwt-cache.js';
import { lazySupabaseClient } from './supabase/lazy-client.js';
import { resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from './supabase/options.js';

/** Options of `createLogtoSupabase` and of every adapter. */
export interface LogtoSupabaseOptions {
  logto: LogtoVerifierOptions;
  supabase: SupabaseOptions;
  machines?: {
    /** Machine-to-machine apps that get a service-role client (RLS bypassed). */
    serviceRole?: {
      /** Logto application ids allowed to act as the service role. */
      clientIds?: string[];
      /** Scopes such a token must also hold. */
      scopes?: string[];
    };
  };
  /** Let requests without a token through, with `auth: null` and an anon client. */
  optional?: boolean;
  /** Where to report the configuration, JWKS failures and key rotations; also the verifier's unless `logto.logger` is set. */
  logger?: LogtoSupabaseLogger;
}

/** How a request reaches Supabase. */
export type SupabaseAccess = 'user' | 'machine' | 'service_role' | 'anon';

/**
 * What `bridge.authenticate(request)` gives a request: who it is and the Supabase client that acts
 * for it. Adapters put these on the request (`req.auth`, `req.supabase`, `c.get('auth')`, …).
 *
 * @example
 * const { auth, supabase, access } = await createLogtoSupabase(options).authenticate(request);
 * if (access === 'service_role') console.info(`RLS bypassed for ${auth?.clientId}`);
 */
export interface Authenticated {
  /** The verified token, or `null` for an anonymous request in optional mode. */
  auth: LogtoAuth | null;
  /** The client for this request; the real one is made when it is first used. */
  supabase: SupabaseClient;
  /** How the client reaches Supabase: as the user, as a machine, as the service role, or anonymously. */
  access: SupabaseAccess;
}

/**
 * The answer of the token exchange: RFC 8693 §2.2 response fields, plus `expires_at` (seconds
 * since the epoch) so a browser needs no clock arithmetic of its own.
 */
export interface SupabaseTokenResponse {
  /** The minted Supabase JWT (`role: "authenticated"`), the same one a user client sends. */
  access_token: string;
  issued_token_type: 'urn:ietf:params:oauth:token-type:jwt';
  token_type: 'Bearer';
  /** Seconds the JWT stays valid from now. */
  expires_in: number;
  /** The JWT's `exp`: never later than the Logto token's. */
  expires_at: number;
}

/** What the adapters share: one verifier, one Supabase configuration, one set of rules. */
export interface LogtoSupabase {
  /** `'mint'` or `'third-party'`, from `supabase.mode`. */
  readonly mode: 'mint' | 'third-party';
  /**
   * Verifies the bearer token of a request (or headers) and gives its Supabase client.
   *
   * @throws {LogtoAuthError} `missing_token` (unless `optional`), `invalid_request`, `invalid_token`
   * (see `reason`; also a token past `exp` inside the clock tolerance: nothing can be minted for it),
   * `insufficient_scope`, `jwks_unavailable`.
   */
  authenticate(source: BearerSource): Promise<Authenticated>;
  /**
   * Verifies a raw Logto access token with the bridge's options.
   *
   * @throws {LogtoAuthError} `invalid_token` (see `reason`), `insufficient_scope`, `jwks_unavailable`.
   */
  verify(token: string): Promise<LogtoAuth>;
  /**
   * The Supabase client the bridge's rules give to a verified token (or `null`: anon), made when
   * `client()` is first called.
   */
  supabaseFor(auth: LogtoAuth | null): {
    /** How the client reaches Supabase. */
    access: SupabaseAccess;
    /** Makes (or reuses) the client. */
    client: () => SupabaseClient;
  };
  /**
   * Exchanges the request's Logto access token for the Supabase JWT a browser can use (mint mode).
   * Never a service-role credential: an allowlisted machine gets a JWT for its client id, and a
   * request without a token is `missing_token` even with `optional: true`.
   *
   * @throws {LogtoAuthError} like `authenticate`, `missing_token` included.
   * @throws {LogtoSupabaseConfigError} in third-party mode, where there is nothing to exchange.
   */
  exchange(source: BearerSource): Promise<SupabaseTokenResponse>;
}

/** The bridge's options, checked: each part resolved, with the machine rules and the optional flag. */
interface ResolvedBridgeOptions {
  logto: ResolvedVerifierOptions;
  supabase: ResolvedSupabaseOptions;
  serviceRole: { clientIds: Set<string>; scopes: string[] };
  optional: boolean;
  log: Log;
}

/** Checks the bridge's options once, at start-up, in the order a reader fills them in. */
function resolveBridgeOptions(options: LogtoSupabaseOptions): ResolvedBridgeOptions {
  if (typeof options !== 'object' || options === null) {
    throw configError('options', 'are required: { logto: { endpoint, audience }, supabase: { url, anonKey, jwtSecret } }.');
  }
  if (options.logto === undefined) throw configError('logto', 'is required: { endpoint, audience }.');
  // The bridge's logger is the verifier's too, unless logto.logger names another.
  const logger = options.logto?.logger ?? options.logger;
  const logto = resolveVerifierOptions(logger === options.logto?.logger ? options.logto : { ...options.logto, logger }, 'logto.');
  const supabase = resolveSupabaseOptions(options.supabase, 'supabase.');
  const log = resolveLogger('logger', logger);
  const serviceRole = resolveServiceRoleMachines(options.machines);
  if (serviceRole.clientIds.size > 0) checkServiceRoleKey(options.supabase.serviceRoleKey);
  if (options.optional !== undefined && typeof options.optional !== 'boolean') throw configError('optional', 'must be true or false.');
  return { logto, supabase, serviceRole, optional: options.optional === true, log };
}

function resolveServiceRoleMachines(machines: LogtoSupabaseOptions['machines']): ResolvedBridgeOptions['serviceRole'] {
  if (machines === undefined) return { clientIds: new Set(), scopes: [] };
  if (typeof machines !== 'object' || machines === null) throw configError('machines', 'must be an object: { serviceRole: { clientIds, scopes } }.');
  const { serviceRole } = machines;
  if (serviceRole === undefined) return { clientIds: new Set(), scopes: [] };
  const { clientIds = [], scopes = [] } = serviceRole;
  if (!Array.isArray(clientIds) || clientIds.some((id) => typeof id !== 'string' || id === '')) {
    throw configError('machines.serviceRole.clientIds', 'must be an array of Logto application ids (machine-to-machine apps).');
  }
  return { clientIds: new Set(clientIds), scopes: scopeList('machines.serviceRole.scopes', scopes) };
}

/**
 * Builds the bridge every adapter uses: it verifies Logto access tokens and hands out the
 * Supabase client each one deserves. Options are checked now, not on the first request, and read
 * once: later changes to the object are not seen.
 *
 * @throws {LogtoSupabaseConfigError} when an option is missing or invalid (`option` names it, e.g.
 * `logto.audience`, `supabase.jwtSecret`, `machines.serviceRole.clientIds`).
 *
 * @example
 * const bridge = createLogtoSupabase(fromEnv());
 * const { auth, supabase } = await bridge.authenticate(request);
 */
export function createLogtoSupabase(options: LogtoSupabaseOptions): LogtoSupabase {
  const { logto, supabase: resolved, serviceRole, optional, log } = resolveBridgeOptions(options);
  const verifier = verifierFor(logto);
  const supabase = options.supabase;
  const { mode, signing } = resolved;
  const keyKind = signing ? `minting with the ${signing.alg === 'HS256' ? 'legacy JWT secret (HS256)' : `${signing.alg} signing key "${signing.kid}"`}` : 'forwarding Logto tokens';
  log('info', `Supabase at ${withoutCredentials(supabase.url).split('/')[2]}, mode ${mode}, ${keyKind}`);

  const userAccess = (auth: LogtoAuth): SupabaseAccess => (auth.isMachine ? 'machine' : 'user');
  const userClients = new UserClientCache(supabase, (auth) => summaryOf(userAccess(auth), auth));
  let serviceClient: SupabaseClient | undefined;
  let anonClient: SupabaseClient | undefined;
  const makeAnonClient = () => (anonClient ??= showInLogsAs(createAnonSupabaseClient(supabase), () => summaryOf('anon', null)));
  const makeServiceClient = () => (serviceClient ??= showInLogsAs(createServiceRoleClient(supabase), () => summaryOf('service_role', null)));

  const isServiceRole = (auth: LogtoAuth) =>
    auth.isMachine && serviceRole.clientIds.has(auth.clientId) && missingScopes(auth, serviceRole.scopes).length === 0;
  const accessOf = (auth: LogtoAuth | null): SupabaseAccess => (auth === null ? 'anon' : isServiceRole(auth) ? 'service_role' : userAccess(auth));

  const supabaseFor: LogtoSupabase['supabaseFor'] = (auth) => {
    const access = accessOf(auth);
    if (access === 'anon') return { access, client: makeAnonClient };
    if (access === 'service_role') return { access, client: makeServiceClient };
    return { access, client: () => userClients.get(auth!) };
  };

  /** A request's client: the one made before (a repeated token), else a stand-in that makes it on first use. */
  const clientOf = (auth: LogtoAuth | null, access: SupabaseAccess): SupabaseClient => {
    if (access === 'anon') return anonClient ?? lazySupabaseClient(makeAnonClient, summaryOf(access, null));
    // One service-role client for every allowlisted machine: the stand-in names each request's.
    if (access === 'service_role') return lazySupabaseClient(makeServiceClient, summaryOf(access, auth));
    return userClients.made(auth!) ?? lazySupabaseClient(() => userClients.get(auth!), summaryOf(access, auth));
  };

  const authenticated = (auth: LogtoAuth | null): Authenticated => {
    const access = accessOf(auth);
    return new Authentication(auth, access, clientOf(auth, access));
  };

  const checkForSupabase = (auth: LogtoAuth) => {
    // Inside the clock tolerance but past exp: no JWT can be minted for it, nor should it be forwarded.
    assertNotExpired(auth);
    // An allowlisted machine uses the service key: its token never reaches Supabase, so needs no role.
    if (mode === 'third-party' && !isServiceRole(auth)) assertThirdPartyRole(auth.claims.role);
    return auth;
  };
  const verifyForSupabase = async (token: string) => checkForSupabase(await verifier.verify(token));

  const authenticateNow = (source: BearerSource): Authenticated | Promise<Authenticated> => {
    // A token seen before is answered now: no parsing, no promise.
    const seen = uncheckedBearerToken(source);
    const known = seen === undefined ? undefined : verifier.cached(seen);
    if (known) return authenticated(checkForSupabase(known));
    let token: string;
    try {
      token = extractBearerToken(source);
    } catch (error) {
      if (optional && error instanceof LogtoAuthError && error.code === 'missing_token') return authenticated(null);
      throw error;
    }
    return verifier.verify(token).then((auth) => authenticated(checkForSupabase(auth)));
  };

  const authenticate: LogtoSupabase['authenticate'] = (source) => {
    try {
      return Promise.resolve(authenticateNow(source));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const exchange: LogtoSupabase['exchange'] = async (source) => {
    if (mode === 'third-party') throw thirdPartyExchangeError();
    const auth = await verifyForSupabase(extractBearerToken(source));
    const { jwt, expiresAt } = await cachedMintedJwt(auth, resolved);
    return {
      access_token: jwt,
      issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_type: 'Bearer',
      expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)),
      expires_at: expiresAt,
    };
  };

  const bridge: LogtoSupabase = { mode, authenticate, verify: verifyForSupabase, supabaseFor, exchange };
  immediate.set(bridge, { authenticate, authenticateNow });
  return bridge;
}

/** What logs and JSON show of a request's access: who and how, never the token, a claim or a key. */
const summaryOf = (access: SupabaseAccess, auth: LogtoAuth | null) => ({ access, subject: auth?.subject ?? null });

/**
 * The result of `authenticate`. Logged or serialized, it and its client show only who and how
 * (`{ access, subject }`): never the token, a claim or the service-role key.
 */
class Authentication implements Authenticated {
  constructor(
    public auth: LogtoAuth | null,
    public access: SupabaseAccess,
    public supabase: SupabaseClient,
  ) {}

  toJSON() {
    return summaryOf(this.access, this.auth);
  }

  [inspectCustom]() {
    return this.toJSON();
  }
}

export type Authenticator = (source: BearerSource) => Authenticated | Promise<Authenticated>;

/** Bridges made by createLogtoSupabase, with their path that answers a cached token without a promise. */
const immediate = new WeakMap<LogtoSupabase, { authenticate: LogtoSupabase['authenticate']; authenticateNow: Authenticator }>();

/**
 * How an adapter authenticates a request with `bridge`: synchronously when the token is in the
 * cache (a result, or a thrown error), else a promise. A bridge made elsewhere, or whose
 * `authenticate` was replaced, is called through its `authenticate`.
 */
export function authenticatorOf(bridge: LogtoSupabase): Authenticator {
  const own = immediate.get(bridge);
  return own && own.authenticate === bridge.authenticate ? own.authenticateNow : (source) => bridge.authenticate(source);
}

/** Why third-party mode has no token exchange. */
export const thirdPartyExchangeError = () =>
  configError(
    'supabase.mode',
    'is "third-party": there is nothing to exchange, the browser sends the Logto token to Supabase itself. Use createBrowserSupabaseClient({ mode: "third-party" }) and no token endpoint, or switch to mode "mint".',
  );
