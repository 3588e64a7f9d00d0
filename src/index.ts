export { assertScopes } from './core/assert-scopes.js';
export type { LogtoAuth, LogtoClaims } from './core/auth.js';
export { extractBearerToken, type BearerSource, type NodeHeaders, type NodeRequest } from './core/bearer.js';
export {
  LogtoAuthError,
  LogtoSupabaseConfigError,
  isLogtoAuthError,
  type LogtoAuthErrorCode,
  type LogtoAuthErrorReason,
  type LogtoAuthErrorOptions,
} from './core/errors.js';
export { clearJwksCache, type JsonWebKeySet, type JwksCache } from './core/jwks.js';
export type { LogtoSupabaseLogger } from './core/log.js';
export type { LogtoOptions } from './core/options.js';
export { createLogtoVerifier, verifyLogtoToken, type LogtoVerifier, type LogtoVerifierOptions } from './core/verify.js';
export {
  createLogtoSupabase,
  type Authenticated,
  type LogtoSupabase,
  type LogtoSupabaseOptions,
  type SupabaseAccess,
  type SupabaseTokenResponse,
} from './bridge.js';
export { fromEnv, type Env } from './env.js';
export { createServiceRoleClient, createUserSupabaseClient } from './supabase/clients.js';
export { logtoUserUuid } from './supabase/logto-user-uuid.js';
export type { ClientOptions, CustomClaims, SupabaseOptions } from './supabase/options.js';
export { signSupabaseJwt, type SubjectOrAuth } from './supabase/sign.js';
export {
  supabaseErrorReply,
  type ErrorBody,
  type SupabaseErrorLike,
  type SupabaseErrorReply,
} from './supabase/error-reply.js';
// Webhooks (SPEC §10) from the core too; `logto-supabase/webhooks` holds the same, and bundlers
// drop what an app does not import.
export {
  LogtoWebhookError,
  createLogtoUserSync,
  isLogtoWebhookError,
  logtoUserRow,
  syncLogtoUsers,
  verifyLogtoWebhook,
  type LogtoUserSyncOptions,
  type LogtoWebhookErrorCode,
  type LogtoWebhookEvent,
  type SyncLogtoUsersOptions,
  type VerifyLogtoWebhookOptions,
} from './webhooks/index.js';
