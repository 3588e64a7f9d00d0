/** Identities shared by the Logto stand-in, the Supabase stand-in's seed data, the samples and the tests. */
export const users = {
  alice: {
    id: 'a1ic3x9k2m4p',
    username: 'alice',
    password: 'alice-password',
    /** Permissions of the API resource granted through the user's roles. */
    scopes: ['read:posts', 'write:posts'],
    /** Organization permissions in `organization` (alice is an admin there). */
    organizationScopes: ['read:org-posts', 'write:org-posts'],
  },
  bob: {
    id: 'b0bq7w5e8r1t',
    username: 'bob',
    password: 'bob-password',
    scopes: ['read:posts', 'write:posts'],
    organizationScopes: ['read:org-posts'],
  },
} as const;

/** Logto ids are not UUIDs: users 12 chars, applications and organizations 21 chars of [0-9a-z]. */
export const organization = {
  id: 'org0acme0000000000001',
  name: 'Acme',
  /** Organization permissions (the scopes of `urn:logto:organization:<id>` tokens). */
  scopes: ['read:org-posts', 'write:org-posts'],
} as const;

/** The API resource the backends protect, and its permissions (scopes). */
export const api = {
  resource: 'https://api.example.com',
  scopes: ['read:posts', 'write:posts', 'admin:posts'],
} as const;

export const apps = {
  /** The SPA / native / web app users sign in through (authorization code + PKCE). */
  web: { clientId: 'web0app00000000000001', redirectUris: ['http://127.0.0.1/callback'] },
  /**
   * A single-page app (Logto "Single page app": public, PKCE): examples/react-spa. Its redirect
   * URIs depend on the port it is served on (LocalLogtoOptions.spaRedirectUris).
   */
  spa: { clientId: 'spa0app00000000000001' },
  /** A machine-to-machine app allowed to act as the service role. */
  adminJob: {
    clientId: 'm2m0admin000000000001',
    clientSecret: 'admin-job-secret-0123456789abcdef',
    /** Permissions of the API resource granted through the app's M2M roles. */
    scopes: ['read:posts', 'write:posts', 'admin:posts'],
  },
  /** A machine-to-machine app that is not allowlisted: RLS applies with its client id as subject. */
  reporter: {
    clientId: 'm2m0report00000000002',
    clientSecret: 'reporter-secret-0123456789abcdef',
    scopes: ['read:posts'],
  },
} as const;
