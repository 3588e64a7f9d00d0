/*
 * The events a Logto webhook delivers (captured from Logto 1.42: see FACTS.md "Logto webhooks"),
 * as one union discriminated on `event`.
 */

/** A Logto user as the Management API returns it (and as webhooks carry it). Times are ms since the epoch. */
export interface LogtoUser {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: Record<string, unknown>;
  identities: Record<string, unknown>;
  profile: Record<string, unknown>;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
  applicationId: string | null;
  isSuspended: boolean;
  hasPassword?: boolean;
}

/** Fields every delivery has. */
interface LogtoEventBase {
  createdAt: string;
  hookId: string;
  userAgent?: string;
}

/** What a Management API call adds: the request that caused the event. */
interface ManagementApiEventBase extends LogtoEventBase {
  ip?: string;
  path?: string;
  method?: string;
  status?: number;
  params?: Record<string, string>;
  matchedRoute?: string;
}

/** The events about a user, sent by the Management API and by sign-in experiences. */
export type LogtoUserEventName = 'User.Created' | 'User.Deleted' | 'User.Data.Updated' | 'User.SuspensionStatus.Updated';

/**
 * A user changed. `data` is the user, except for `PATCH /users/:userId/custom-data`, whose
 * `data` is the custom data alone (`params.userId` names the user).
 */
export interface LogtoUserEvent extends ManagementApiEventBase {
  event: LogtoUserEventName;
  data: LogtoUser | Record<string, unknown>;
  /** Set when a sign-in experience caused it (a registration also sends User.Created). */
  interactionEvent?: string;
  sessionId?: string;
}

/** The events of a finished sign-in experience (an interaction). */
export type LogtoInteractionEventName = 'PostRegister' | 'PostSignIn' | 'PostResetPassword' | 'PostSignInAdaptiveMfaTriggered';

/** A sign-in experience finished: the user is in `user`, not `data`. */
export interface LogtoInteractionEvent extends LogtoEventBase {
  event: LogtoInteractionEventName;
  interactionEvent: string;
  sessionId?: string;
  userId?: string;
  userIp?: string;
  user?: LogtoUser;
  application?: { id: string; type: string; name: string };
}

/** The events about an organization itself. */
export type LogtoOrganizationEventName = 'Organization.Created' | 'Organization.Deleted' | 'Organization.Data.Updated';

/** An organization changed; `data` is the organization. */
export interface LogtoOrganizationEvent extends ManagementApiEventBase {
  event: LogtoOrganizationEventName;
  data?: { id: string; name: string; description?: string | null; customData?: Record<string, unknown>; [key: string]: unknown };
}

/** Members joined or left an organization (no `data`). */
export interface LogtoOrganizationMembershipEvent extends ManagementApiEventBase {
  event: 'Organization.Membership.Updated';
  organizationId: string;
  addedUserIds?: string[];
  removedUserIds?: string[];
  addedApplicationIds?: string[];
  removedApplicationIds?: string[];
}

/** The other events: roles, scopes, organization roles and scopes, security. */
export type LogtoOtherEventName =
  | 'Role.Created'
  | 'Role.Deleted'
  | 'Role.Data.Updated'
  | 'Role.Scopes.Updated'
  | 'Scope.Created'
  | 'Scope.Deleted'
  | 'Scope.Data.Updated'
  | 'OrganizationRole.Created'
  | 'OrganizationRole.Deleted'
  | 'OrganizationRole.Data.Updated'
  | 'OrganizationRole.Scopes.Updated'
  | 'OrganizationScope.Created'
  | 'OrganizationScope.Deleted'
  | 'OrganizationScope.Data.Updated'
  | 'Identifier.Lockout'
  | 'Message.RateLimited'
  | 'Grant.LimitExceeded';

/** Role, scope, organization role and scope, and security events: passed on as Logto sent them. */
export interface LogtoOtherEvent extends ManagementApiEventBase {
  event: LogtoOtherEventName;
  data?: unknown;
  [key: string]: unknown;
}

/** Every event a Logto webhook delivers, discriminated on `event`. */
export type LogtoWebhookEvent =
  | LogtoUserEvent
  | LogtoInteractionEvent
  | LogtoOrganizationEvent
  | LogtoOrganizationMembershipEvent
  | LogtoOtherEvent;

/** Every event name a Logto webhook may carry. */
export type LogtoWebhookEventName = LogtoWebhookEvent['event'];
