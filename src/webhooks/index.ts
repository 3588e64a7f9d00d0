export { LogtoWebhookError, isLogtoWebhookError, type LogtoWebhookErrorCode } from './errors.js';
export type {
  LogtoInteractionEvent,
  LogtoInteractionEventName,
  LogtoOrganizationEvent,
  LogtoOrganizationEventName,
  LogtoOrganizationMembershipEvent,
  LogtoOtherEvent,
  LogtoOtherEventName,
  LogtoUser,
  LogtoUserEvent,
  LogtoUserEventName,
  LogtoWebhookEvent,
  LogtoWebhookEventName,
} from './events.js';
export {
  logtoSignatureHeader,
  verifyLogtoWebhook,
  type RawBody,
  type VerifyLogtoWebhookOptions,
  type WebhookSignatureSource,
} from './verify.js';
export { logtoUserRow, type LogtoUserFields, type LogtoUserTableOptions, type LogtoUserToRow } from './user-table.js';
export {
  createLogtoUserSync,
  type LogtoEventHandlers,
  type LogtoUserSync,
  type LogtoUserSyncOptions,
  type LogtoUserSyncResult,
  type LogtoWebhookEventOf,
} from './user-sync.js';
export {
  managementApiResource,
  syncLogtoUsers,
  type SyncLogtoUsersOptions,
  type SyncLogtoUsersProgress,
  type SyncLogtoUsersResult,
} from './sync-users.js';
export {
  createLogtoWebhookReceiver,
  type LogtoWebhookHandlerOptions,
  type LogtoWebhookReceiver,
  type LogtoWebhookReply,
  type WebhookBody,
} from './receiver.js';
