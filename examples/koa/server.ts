/**
 * Runs the Koa sample: `npm run example:koa`. With LOGTO_ENDPOINT and the other `fromEnv`
 * variables set it serves your Logto tenant and Supabase project; otherwise the local stack.
 */
import { fromEnv } from 'logto-supabase';
import { listen } from '../shared/listen.js';
import { runSample } from '../shared/run-sample.js';
import { createApp } from './app.js';

await runSample('koa', (env, port) => listen(createApp(fromEnv(env)).callback(), { port }));
