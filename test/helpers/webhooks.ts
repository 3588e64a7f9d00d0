/**
 * Logto webhook deliveries shaped as a real Logto 1.42 sends them (FACTS.md "Logto webhooks"),
 * signed the way Logto signs them: HMAC-SHA256 of the body bytes, hex, with node:crypto (an
 * implementation independent of the library's Web Crypto one).
 */
import { createHmac } from 'node:crypto';
import type { LogtoUser } from '../../src/webhooks/index.js';

export const SIGNING_KEY = 'Wb7xJq2LmN4pR8sT1vX5zA9cE3gH6kYd';

export const sign = (body: string | Uint8Array, key = SIGNING_KEY) => createHmac('sha256', key).update(body).digest('hex');

/** Headers as Logto sends them. */
export const deliveryHeaders = (body: string | Uint8Array, key = SIGNING_KEY) => ({
  'content-type': 'application/json',
  'user-agent': 'Logto (https://logto.io/)',
  'logto-signature-sha-256': sign(body, key),
});

export function logtoUser(id: string, updatedAt: number, fields: Partial<LogtoUser> = {}): LogtoUser {
  return {
    id,
    username: `user_${id}`,
    primaryEmail: `${id}@example.com`,
    primaryPhone: null,
    name: `User ${id}`,
    avatar: null,
    customData: {},
    identities: {},
    lastSignInAt: null,
    createdAt: updatedAt - 1000,
    updatedAt,
    profile: {},
    applicationId: null,
    isSuspended: false,
    hasPassword: true,
    ...fields,
  };
}

const now = () => new Date().toISOString();

const managementApi = (method: string, path: string, matchedRoute: string, params: Record<string, string>) => ({
  userAgent: 'curl/8.5.0',
  ip: '::ffff:127.0.0.1',
  path,
  method,
  status: method === 'POST' ? 200 : method === 'DELETE' ? 204 : 200,
  params,
  matchedRoute,
  hookId: 'hook0000000000000001',
});

export const userCreated = (user: LogtoUser, createdAt = now()) => ({
  event: 'User.Created',
  createdAt,
  ...managementApi('POST', '/users', '/users', {}),
  data: user,
});

export const userDataUpdated = (user: LogtoUser, createdAt = now()) => ({
  event: 'User.Data.Updated',
  createdAt,
  ...managementApi('PATCH', `/users/${user.id}`, '/users/:userId', { userId: user.id }),
  data: user,
});

export const userSuspended = (user: LogtoUser, createdAt = now()) => ({
  event: 'User.SuspensionStatus.Updated',
  createdAt,
  ...managementApi('PATCH', `/users/${user.id}/is-suspended`, '/users/:userId/is-suspended', { userId: user.id }),
  data: user,
});

/** `PATCH /users/:userId/custom-data`: `data` is the custom data alone. */
export const customDataUpdated = (userId: string, customData: Record<string, unknown>, createdAt = now()) => ({
  event: 'User.Data.Updated',
  createdAt,
  ...managementApi('PATCH', `/users/${userId}/custom-data`, '/users/:userId/custom-data', { userId }),
  data: customData,
});

export const userDeleted = (user: LogtoUser, createdAt = now()) => ({
  event: 'User.Deleted',
  createdAt,
  ...managementApi('DELETE', `/users/${user.id}`, '/users/:userId', { userId: user.id }),
  data: user,
});

/** An interaction event: the user is in `user`, not `data`. */
export const postRegister = (user: LogtoUser, createdAt = now()) => ({
  event: 'PostRegister',
  interactionEvent: 'Register',
  createdAt,
  sessionId: 'sess0000000000000001',
  userAgent: 'Mozilla/5.0',
  userId: user.id,
  userIp: '::ffff:127.0.0.1',
  user,
  application: { id: 'web0app00000000000001', type: 'SPA', name: 'Web' },
  hookId: 'hook0000000000000001',
});

export const membershipUpdated = (organizationId: string, addedUserIds: string[], createdAt = now()) => ({
  event: 'Organization.Membership.Updated',
  createdAt,
  ...managementApi('POST', `/organizations/${organizationId}/users`, '/organizations/:id/users', { id: organizationId }),
  organizationId,
  addedUserIds,
});
