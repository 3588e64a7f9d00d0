/**
 * Runs the Express sample: `npm run example:express`. With LOGTO_ENDPOINT and the other `fromEnv`
 * variables set it serves your Logto tenant and Supabase project; otherwise the local stack.
 */
import { fromEnv } from 'logto-supabase';
import { listen } from '../shared/listen.js';
import { runSample } from '../shared/run-sample.js';
import { createApp } from './app.js';

// CORS_ORIGINS: comma-separated browser origins allowed to call the API, e.g. the SPA's dev server.
const corsOrigins = process.env.CORS_ORIGINS?.split(',').filter(Boolean);
await runSample('express-spa-backend', (env, port) => listen(createApp(fromEnv(env), { corsOrigins }), { port }));
