/**
 * A local stand-in for Logto: oidc-provider (the engine Logto is built on) configured the way Logto
 * configures it, so it issues Logto-format tokens (ES384, `typ: at+jwt`, Logto's claim set).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, {
  errors,
  type Client,
  type InteractionResults,
  type KoaContextWithOIDC,
  type ResourceServer,
} from 'oidc-provider';
import { api, apps, organization, users } from './fixtures.js';
import { managementResource, mountManagementApi, type LocalManagementApi } from './management-api.js';
import type { LogtoUser } from '../../../src/webhooks/index.js';

export interface LocalLogtoOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Lifetime of API resource access tokens in seconds (Logto's default is 3600). */
  accessTokenTtl?: number;
  /** Extra redirect URIs for the web app, e.g. a Next app's `${baseUrl}/callback`. */
  redirectUris?: string[];
  /** Post-sign-out redirect URIs for the web app. */
  postLogoutRedirectUris?: string[];
  /** Sign-in and post-sign-out redirect URIs of the SPA (`apps.spa`); its token requests are allowed cross-origin from their origins. */
  spa?: { redirectUris: string[]; postLogoutRedirectUris: string[] };
  /**
   * Claims added to every JWT access token, as Logto's custom access token claims script does
   * (e.g. `{ role: 'authenticated' }` for Supabase third-party auth). Built-in claims win.
   */
  customAccessTokenClaims?: Record<string, unknown>;
  /** The users the Management API stand-in lists at `GET /api/users` (the adminJob app holds its role). */
  managementUsers?: LogtoUser[];
}

export type UserName = keyof typeof users;
export type M2mAppName = 'adminJob' | 'reporter';

export interface SignInOptions {
  /** API resource of the access token; default `api.resource` (or the organization token when `organizationId` is given). */
  resource?: string;
  /** Space-separated scopes to ask for; default everything the user was granted. */
  scope?: string;
  /** Without `resource`: an organization token; with `resource`: an organization-level API resource token. */
  organizationId?: string;
}

export interface SignInResult {
  /** The JWT access token from the refresh-token grant with `resource`, as Logto's SDKs get it. */
  accessToken: string;
  /** The rotated refresh token (oidc-provider rotates public clients' refresh tokens on every use). */
  refreshToken: string;
  idToken: string;
}

export interface LocalLogto {
  endpoint: string;
  issuer: string;
  jwksUri: string;
  /** Publishes a new signing key next to the old ones and signs with it from now on; returns its kid. */
  rotateKeys(): Promise<string>;
  /** Removes every key but the current one from the JWKS. */
  retireOldKeys(): void;
  clientCredentialsToken(app: M2mAppName, options?: { resource?: string; scope?: string }): Promise<string>;
  /** The Management API stand-in: its user list, pages made to fail, requests served. */
  management: LocalManagementApi;
  signIn(user: UserName, options?: SignInOptions): Promise<SignInResult>;
  stop(): Promise<void>;
}

/** The audience of Logto organization tokens. */
export const organizationResource = (organizationId: string): string => `urn:logto:organization:${organizationId}`;

const m2mApps = [apps.adminJob, apps.reporter];
const oidcScopes = ['openid', 'offline_access', 'profile'];
const FOURTEEN_DAYS = 14 * 24 * 3600;

const findUser = (predicate: (user: (typeof users)[UserName]) => boolean) => Object.values(users).find(predicate);

/** Logto grants per role; the fixtures hold the result, so tokens carry only granted scopes. */
function grantedScopes(ctx: KoaContextWithOIDC, indicator: string, client: Client): readonly string[] {
  const app = m2mApps.find(({ clientId }) => clientId === client.clientId);
  const user = findUser(({ id }) => id === ctx.oidc.account?.accountId);
  const organizationId = ctx.oidc.body?.organization_id;
  if (organizationId !== undefined && (app || organizationId !== organization.id)) {
    throw new errors.InvalidTarget(`organization tokens are emulated for users of ${organization.id} only`);
  }
  // Logto's Management API role: only the admin job holds it, with Logto's single scope `all`.
  if (indicator === managementResource) return app === apps.adminJob ? ['all'] : [];
  if (indicator === api.resource) {
    // Before sign-in there is no account yet: consent lists every scope, the token endpoint filters.
    return app?.scopes ?? user?.scopes ?? api.scopes;
  }
  if (indicator === organizationResource(organization.id) && !app) {
    return user?.organizationScopes ?? organization.scopes;
  }
  throw new errors.InvalidTarget(`unknown resource ${indicator}`);
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(16).toString('base64url'), alg: 'ES384', use: 'sig' };
}

/** devInteractions posts the typed login name; Logto's `sub` is the user id, and unknown users are refused. */
class LogtoProvider extends Provider {
  override interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResults,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void> {
    if (!result.login) return super.interactionFinished(req, res, result, options);
    const login = result.login.accountId;
    const user = findUser(({ username }) => username === login);
    const mapped: InteractionResults = user
      ? { ...result, login: { ...result.login, accountId: user.id } }
      : { error: 'access_denied', error_description: `unknown user ${login}` };
    return super.interactionFinished(req, res, mapped, options);
  }
}

/** oidc-provider warns on every construction that devInteractions are for development; that is the point here. */
function quietly<T>(build: () => T): T {
  const { warn } = console;
  console.warn = () => {};
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

export async function startLocalLogto(options: LocalLogtoOptions = {}): Promise<LocalLogto> {
  const { port = 0, accessTokenTtl = 3600, redirectUris = [], postLogoutRedirectUris = [] } = options;
  const app = express();
  const server = createServer(app);
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${endpoint}/oidc`;
  // Fixed across provider swaps so sign-ins in flight survive a key rotation.
  const cookieKeys = [randomBytes(32).toString('base64url')];

  const buildProvider = (keys: JWK[]) =>
    quietly(
      () =>
        new LogtoProvider(issuer, {
          // The first key signs ID tokens and access tokens; the rest are only published.
          jwks: { keys },
          cookies: { keys: cookieKeys },
          clients: [
            {
              client_id: apps.web.clientId,
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
              redirect_uris: [...apps.web.redirectUris, ...redirectUris],
              post_logout_redirect_uris: postLogoutRedirectUris,
              token_endpoint_auth_method: 'none',
              id_token_signed_response_alg: 'ES384',
            },
            ...(options.spa
              ? [
                  {
                    client_id: apps.spa.clientId,
                    grant_types: ['authorization_code', 'refresh_token'],
                    response_types: ['code'],
                    redirect_uris: options.spa.redirectUris,
                    post_logout_redirect_uris: options.spa.postLogoutRedirectUris,
                    // A public client: oidc-provider then allows CORS from its redirect URIs' origins, as Logto does for SPAs.
                    token_endpoint_auth_method: 'none',
                    id_token_signed_response_alg: 'ES384',
                  },
                ]
              : []),
            ...m2mApps.map(({ clientId, clientSecret }) => ({
              client_id: clientId,
              client_secret: clientSecret,
              grant_types: ['client_credentials'],
              response_types: [],
              redirect_uris: [],
              token_endpoint_auth_method: 'client_secret_basic',
            })),
          ],
          clientDefaults: { id_token_signed_response_alg: 'ES384' },
          // Browsers may call the token endpoint from a public client's redirect origins (Logto's SPA apps).
          clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string, client: Client) =>
            client.clientAuthMethod === 'none' && client.redirectUris.some((uri) => new URL(uri).origin === origin),
          enabledJWA: { idTokenSigningAlgValues: ['ES384'] },
          scopes: oidcScopes,
          claims: { openid: ['sub'], profile: ['name', 'username'] },
          findAccount: (_ctx: KoaContextWithOIDC, id: string) => {
            const user = findUser((candidate) => candidate.id === id);
            return user && { accountId: user.id, claims: () => ({ sub: user.id, name: user.username, username: user.username }) };
          },
          pkce: { required: () => true },
          // Explicit lifetimes (oidc-provider notices on its defaults); the refresh token's is Logto's 14 days.
          ttl: {
            AccessToken: accessTokenTtl,
            ClientCredentials: accessTokenTtl,
            IdToken: 3600,
            Interaction: 3600,
            RefreshToken: FOURTEEN_DAYS,
            Grant: FOURTEEN_DAYS,
            Session: FOURTEEN_DAYS,
          },
          issueRefreshToken: (_ctx: KoaContextWithOIDC, client: Client) => client.grantTypeAllowed('refresh_token'),
          features: {
            devInteractions: { enabled: true },
            clientCredentials: { enabled: true },
            revocation: { enabled: true },
            resourceIndicators: {
              enabled: true,
              getResourceServerInfo: (ctx: KoaContextWithOIDC, indicator: string, client: Client) => ({
                scope: grantedScopes(ctx, indicator, client).join(' '),
                audience: indicator,
                accessTokenFormat: 'jwt',
                accessTokenTTL: accessTokenTtl,
                jwt: { sign: { alg: 'ES384' } },
              }),
            },
          },
          // Logto's organization-level API resource tokens: the API audience plus the organization.
          extraTokenClaims: (ctx: KoaContextWithOIDC, token: { resourceServer?: ResourceServer }) => {
            const organizationId = ctx.oidc.body?.organization_id;
            return token.resourceServer?.audience === api.resource && typeof organizationId === 'string'
              ? { organization_id: organizationId }
              : undefined;
          },
          formats: {
            customizers: {
              // oidc-provider drops an empty scope; Logto always sends `scope`, possibly "".
              jwt: (_ctx: KoaContextWithOIDC, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
                jwt.payload.scope ??= '';
                for (const [name, value] of Object.entries(options.customAccessTokenClaims ?? {})) {
                  if (!(name in jwt.payload)) jwt.payload[name] = value;
                }
              },
            },
          },
        }),
    );

  let keys = [await generateSigningKey()];
  let handle = buildProvider(keys).callback();
  // Mounted like Logto; a rotation swaps the provider behind this handler (its jwks are fixed at construction).
  app.use('/oidc', (req, res) => handle(req, res));
  const management = mountManagementApi(app, issuer, options.managementUsers);

  const swapKeys = (next: JWK[]) => {
    handle = buildProvider(next).callback();
    keys = next;
  };

  const tokenRequest = async (body: Record<string, string>, authorization?: string) => {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization && { authorization }) },
      body: new URLSearchParams(body),
    });
    const json = (await response.json()) as Record<string, string>;
    if (!response.ok) throw new Error(`token endpoint: ${json.error}: ${json.error_description}`);
    return json;
  };

  const clientCredentialsToken: LocalLogto['clientCredentialsToken'] = async (name, request = {}) => {
    const { clientId, clientSecret } = apps[name];
    const { resource = api.resource, scope = api.scopes.join(' ') } = request;
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const json = await tokenRequest({ grant_type: 'client_credentials', resource, scope }, basic);
    return json.access_token as string;
  };

  const signIn: LocalLogto['signIn'] = async (name, request = {}) => {
    const { organizationId, scope } = request;
    const resource = request.resource ?? (organizationId ? organizationResource(organizationId) : api.resource);
    const [redirectUri] = apps.web.redirectUris;
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: apps.web.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: [...oidcScopes, ...api.scopes, ...organization.scopes].join(' '),
      prompt: 'consent',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    for (const indicator of new Set([api.resource, organizationResource(organization.id), resource])) {
      authorize.searchParams.append('resource', indicator);
    }

    const code = await runInteractions(authorize, redirectUri, users[name]);
    const tokens = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: apps.web.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      client_id: apps.web.clientId,
      refresh_token: tokens.refresh_token as string,
      resource,
      ...(scope !== undefined && { scope }),
      // Logto's parameter for organization-level API resource tokens.
      ...(organizationId && !resource.startsWith('urn:logto:organization:') && { organization_id: organizationId }),
    });
    return {
      accessToken: refreshed.access_token as string,
      refreshToken: refreshed.refresh_token as string,
      idToken: tokens.id_token as string,
    };
  };

  return {
    endpoint,
    issuer,
    jwksUri: `${issuer}/jwks`,
    async rotateKeys() {
      const next = await generateSigningKey();
      swapKeys([next, ...keys]);
      return next.kid as string;
    },
    retireOldKeys: () => swapKeys(keys.slice(0, 1)),
    clientCredentialsToken,
    management,
    signIn,
    async stop() {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Walks the redirects of a sign-in, submitting the devInteractions login and consent forms; returns the code. */
async function runInteractions(
  start: URL,
  redirectUri: string,
  user: { username: string; password: string },
): Promise<string> {
  const cookies = new Map<string, string>();
  const send = async (url: URL, form?: Record<string, string>) => {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form && new URLSearchParams(form),
    });
    // Path and expiry are ignored: every cookie goes to every request, which oidc-provider tolerates.
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const separator = pair.indexOf('=');
      const [name, value] = [pair.slice(0, separator), pair.slice(separator + 1)];
      if (value) cookies.set(name, value);
      else cookies.delete(name);
    }
    return response;
  };

  let url = start;
  for (let step = 0; step < 10; step += 1) {
    const response = await send(url);
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.href.startsWith(redirectUri)) {
        const code = url.searchParams.get('code');
        const { error, error_description: description } = Object.fromEntries(url.searchParams);
        if (!code) throw new Error(`sign-in failed: ${error}: ${description}`);
        return code;
      }
      continue;
    }
    const html = await response.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!prompt || !action) throw new Error(`unexpected sign-in page (HTTP ${response.status}): ${html.slice(0, 200)}`);
    const form: Record<string, string> =
      prompt === 'login' ? { prompt, login: user.username, password: user.password } : { prompt };
    const submitted = await send(new URL(action, url), form);
    url = new URL(submitted.headers.get('location') ?? '', url);
  }
  throw new Error('sign-in did not reach the redirect URI');
}
