/**
 * The webhook receiver: Logto's User.* and PostRegister events keep `public.logto_users` in
 * Supabase. One route, and the one line Express needs: `express.raw` keeps the body's bytes,
 * which the signature covers.
 */
import express from 'express';
import { logtoWebhookHandler } from 'logto-supabase/express';
import { createLogtoUserSync } from 'logto-supabase/webhooks';

export interface UserSyncEnv {
  LOGTO_WEBHOOK_SIGNING_KEY?: string;
  SUPABASE_URL?: string;
  SUPABASE_SERVICE_ROLE_KEY?: string;
}

export function createWebhookApp(env: UserSyncEnv): express.Express {
  const app = express();
  app.post(
    '/webhooks/logto',
    express.raw({ type: 'application/json' }),
    logtoWebhookHandler({
      signingKey: env.LOGTO_WEBHOOK_SIGNING_KEY!,
      sync: createLogtoUserSync({ supabase: { url: env.SUPABASE_URL!, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY } }),
    }),
  );
  return app;
}
