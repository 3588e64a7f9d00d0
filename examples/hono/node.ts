/**
 * Runs the Hono sample on Node: `npm run example:hono`. The app reads its options from the
 * bindings given to `app.fetch`: here the environment (LOGTO_ENDPOINT set) or the local stack's.
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { listen } from '../shared/listen.js';
import { runSample } from '../shared/run-sample.js';
import app from './app.js';

await runSample('hono', (env, port) =>
  listen(createAdaptorServer({ fetch: (request) => app.fetch(request, env) }) as Server, { port }),
);
