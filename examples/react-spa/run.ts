/**
 * Runs the React SPA sample against the local stack: the Logto stand-in (with the SPA's redirect
 * URIs), the Supabase stand-in (REST + Realtime), and the Express sample as the backend that
 * exchanges Logto tokens (`supabaseTokenHandler`, CORS for the SPA's origin). The SPA is built
 * with Vite and served with its /config.json.
 *
 *   npm run example:spa            # prints the URL; sign in as alice / alice-password
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import react from '@vitejs/plugin-react';
import type { LogtoSupabaseOptions } from 'logto-supabase';
import { build } from 'vite';
import { entries } from '../../entries.js';
import { createApp } from '../express-spa-backend/app.js';
import { freePort } from '../next-app-router/run.js';
import { api, apps, type LocalStack } from '../local-stack/src/index.js';
import { listen, type Listening } from '../shared/listen.js';
import { loadLocalStack } from '../shared/load-local-stack.js';
import type { SpaConfig } from './src/config.js';

export const appDir = fileURLToPath(new URL('.', import.meta.url));
const distDir = join(appDir, 'dist');
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the SPA into examples/react-spa/dist (the library from its sources, as the tests use it). */
export async function buildSpa(): Promise<void> {
  await build({
    root: appDir,
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    resolve: { alias: { 'logto-supabase/browser': join(repositoryRoot, entries['logto-supabase/browser'].source) } },
    // One bundle of React, the Logto SDK and supabase-js (~480 KB, ~130 KB gzipped): fine for a sample.
    build: { outDir: distDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  });
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves dist/ with /config.json; any other path is the SPA's index.html (client-side routes such as /callback). */
function serveSpa(config: SpaConfig, port: number): Promise<Listening> {
  return listen(
    createServer(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/config.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
        return;
      }
      const file = normalize(join(distDir, path));
      const isAsset = file.startsWith(distDir) && extname(file) !== '';
      const body = await readFile(isAsset ? file : join(distDir, 'index.html')).catch(() => undefined);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const type = isAsset ? (contentTypes[extname(file)] ?? 'application/octet-stream') : contentTypes['.html']!;
      res.writeHead(200, { 'content-type': type }).end(body);
    }),
    { port },
  );
}

export interface SpaSampleOptions {
  /** Build the SPA first (default true). */
  build?: boolean;
  /** Lifetime of the exchanged Supabase JWTs (`supabase.jwt.expiresIn`), default 3600 s. */
  jwtExpiresIn?: number;
  /** The SPA's Realtime heartbeat, default supabase-js' 25 s. */
  realtimeHeartbeatMs?: number;
}

export interface SpaSample {
  /** The SPA's origin. */
  url: string;
  /** The Express backend (its token endpoint is `${backendUrl}/api/supabase-token`). */
  backendUrl: string;
  stack: LocalStack;
  stop(): Promise<void>;
}

export async function startSpaSample(options: SpaSampleOptions = {}): Promise<SpaSample> {
  if (options.build !== false) await buildSpa();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { startLocalStack } = await loadLocalStack();
  const stack = await startLocalStack({ logto: { spa: { redirectUris: [`${url}/callback`], postLogoutRedirectUris: [url] } } });
  const started: Listening[] = [];
  try {
    const bridgeOptions: LogtoSupabaseOptions = {
      ...stack.options,
      supabase: { ...stack.options.supabase, jwt: { expiresIn: options.jwtExpiresIn ?? 3600 } },
    };
    const backend = await listen(createApp(bridgeOptions, { corsOrigins: [url] }));
    started.push(backend);
    const config: SpaConfig = {
      logtoEndpoint: stack.logto.endpoint,
      appId: apps.spa.clientId,
      resource: api.resource,
      supabaseUrl: stack.supabase.url,
      supabaseAnonKey: stack.supabase.anonKey,
      tokenEndpoint: `${backend.url}/api/supabase-token`,
      ...(options.realtimeHeartbeatMs !== undefined && { realtimeHeartbeatMs: options.realtimeHeartbeatMs }),
    };
    started.push(await serveSpa(config, port));
    return {
      url,
      backendUrl: backend.url,
      stack,
      async stop() {
        await Promise.all(started.map((server) => server.close()));
        await stack.stop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((server) => server.close()));
    await stack.stop();
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log('Building the React SPA (vite build)…');
  const sample = await startSpaSample();
  console.log(`React SPA: ${sample.url}  (sign in as alice / alice-password or bob / bob-password)`);
  console.log(`Token endpoint: ${sample.backendUrl}/api/supabase-token`);
  console.log(`Logto stand-in: ${sample.stack.logto.endpoint}   Supabase stand-in: ${sample.stack.supabase.url}`);
  console.log('Ctrl+C stops everything.');
  const shutdown = () => {
    sample.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
