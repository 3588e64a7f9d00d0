/**
 * One cold workerd instance (through miniflare): a fresh process, so a fresh isolate with an
 * empty module state. Runs the worker bundle once with a Workers KV namespace `JWKS` persisted in
 * a folder that instances share, answers Logto's JWKS from Node, and prints one result line:
 * `{ status, body, jwksRequests }`. Needs Node >= 22 (miniflare 4).
 *
 *   node22 workerd-kv.mjs <bundle.mjs> <kv-folder>     (config: WORKERD_KV_CONFIG, JSON)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { Miniflare, Response } = await import(pathToFileURL(join(root, 'runtimes/node_modules/miniflare/dist/src/index.js')).href);
const [bundle, kvFolder] = process.argv.slice(2);
const config = JSON.parse(process.env.WORKERD_KV_CONFIG);

let jwksRequests = 0;
const mf = new Miniflare({
  modules: [{ type: 'ESModule', path: bundle, contents: await readFile(bundle, 'utf8') }],
  compatibilityDate: '2025-09-01',
  kvNamespaces: ['JWKS'],
  kvPersist: kvFolder,
  // Every fetch the worker makes lands here: Logto's JWKS endpoint, counted.
  outboundService: (request) => {
    if (request.url !== config.jwksUri) return new Response('not found', { status: 404 });
    jwksRequests += 1;
    return new Response(JSON.stringify(config.jwks), { headers: { 'content-type': 'application/json' } });
  },
});
try {
  const response = await mf.dispatchFetch('http://worker.local/', { method: 'POST', body: JSON.stringify(config) });
  console.log(`WORKERD_KV_RESULT ${JSON.stringify({ status: response.status, body: await response.json(), jwksRequests })}`);
} finally {
  await mf.dispose();
}
