/**
 * Runs the Fastify sample: `npm run example:fastify`. With LOGTO_ENDPOINT and the other `fromEnv`
 * variables set it serves your Logto tenant and Supabase project; otherwise the local stack.
 */
import { fromEnv } from 'logto-supabase';
import { listen } from '../shared/listen.js';
import { runSample } from '../shared/run-sample.js';
import { createApp } from './app.js';

await runSample('fastify', async (env, port) => listen((await createApp(fromEnv(env))).server, { port }));
