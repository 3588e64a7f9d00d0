/**
 * The built package as users install it: each adapter entry loads no other framework, and the
 * CommonJS build works with `require`. Checked in fresh Node processes against a build made here
 * (in a scratch copy of the package, so a concurrent `dist/` is never touched).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScratchPackage, removeScratchPackage } from '../helpers/scratch-package.js';

const run = promisify(execFile);
let packageDir = '';
const resolvedLog = () => `${packageDir}resolved.log`;

const frameworks = ['express', 'koa', 'hono', 'next', 'fastify'] as const;

/** Records every URL the ESM loader resolves (hooks run off-thread, so they write to a file). */
const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(process.env.RESOLVED_LOG, result.url + '\\n');
  return result;
}
`;
const registerHooks = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
`;

/** The npm package a file belongs to: `koa` for …/node_modules/koa/lib/application.js; none for the package under test. */
function packageOf(file: string): string | undefined {
  const path = decodeURIComponent(file).replace(/\/node_modules\/\.cache\/[^/]+/, '');
  // The innermost node_modules names the package, also for a copy nested in a dependency.
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match?.[1];
}

/** Imports `specifier` as ESM in a fresh process; returns its export names and every file loaded (ESM and CJS). */
async function importFresh(specifier: string): Promise<{ exports: string[]; loaded: string[] }> {
  await writeFile(resolvedLog(), '');
  const script = `
    import Module from 'node:module';
    const entry = await import(${JSON.stringify(specifier)});
    console.log(JSON.stringify({ exports: Object.keys(entry).sort(), cjs: Object.keys(Module._cache) }));
  `;
  const { stdout } = await run(process.execPath, ['--import', './register-hooks.mjs', '--input-type=module', '-e', script], {
    cwd: packageDir,
    env: { ...process.env, RESOLVED_LOG: resolvedLog() },
  });
  const { exports, cjs } = JSON.parse(stdout) as { exports: string[]; cjs: string[] };
  const esm = (await readFile(resolvedLog(), 'utf8')).split('\n').filter(Boolean);
  return { exports, loaded: [...esm, ...cjs] };
}

beforeAll(async () => {
  // Types are not needed to load the code.
  packageDir = await buildScratchPackage('logto-supabase-imports-test', { dts: false });
  await writeFile(`${packageDir}hooks.mjs`, hooks);
  await writeFile(`${packageDir}register-hooks.mjs`, registerHooks);
}, 60_000);

afterAll(() => removeScratchPackage(packageDir));

describe('importing an adapter entry loads no other framework', () => {
  it.each(frameworks)('logto-supabase/%s', async (framework) => {
    const { exports, loaded } = await importFresh(`logto-supabase/${framework}`);
    const packages = new Set(loaded.map(packageOf));
    // The recording works: the entry itself and the core's one dependency were seen.
    expect(loaded).toContain(`file://${packageDir}dist/${framework}.js`);
    expect(packages.has('jose')).toBe(true);
    expect(frameworks.filter((other) => other !== framework && packages.has(other))).toEqual([]);
    expect(exports).toContain('requireScopes');
  });

  it('logto-supabase (the core) loads no framework', async () => {
    const { loaded } = await importFresh('logto-supabase');
    const packages = new Set(loaded.map(packageOf));
    expect(frameworks.filter((framework) => packages.has(framework))).toEqual([]);
  });
});

describe('CommonJS', () => {
  it("require('logto-supabase/express') gives the middleware, the scope guard, the error handler, the token endpoint and the webhook endpoint", async () => {
    const script = `
      const adapter = require('logto-supabase/express');
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({
        exports: Object.keys(adapter).sort(),
        types: [adapter.logtoSupabase, adapter.requireScopes, adapter.logtoAuthErrorHandler, adapter.supabaseTokenHandler, adapter.logtoWebhookHandler].map((value) => typeof value),
        entry: loaded.filter((file) => file.endsWith('/dist/express.cjs')).length,
      }));
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageDir });
    expect(JSON.parse(stdout)).toEqual({
      exports: ['logtoAuthErrorHandler', 'logtoSupabase', 'logtoWebhookHandler', 'requireScopes', 'supabaseTokenHandler'],
      types: ['function', 'function', 'function', 'function', 'function'],
      entry: 1,
    });
  });
});

/** Every module a built file imports beyond the package's own files, found by bundling it (esbuild). */
async function outsideImports(file: string): Promise<string[]> {
  const result = await esbuild({
    entryPoints: [file],
    bundle: true,
    packages: 'external',
    platform: 'neutral',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  return [...new Set(imports.filter((entry) => entry.external).map((entry) => entry.path))].sort();
}

describe('logto-supabase/browser', () => {
  it.each(['browser.js', 'browser.cjs'])('dist/%s imports only supabase-js: no jose, no node: module, no Logto SDK', async (file) => {
    expect(await outsideImports(`${packageDir}dist/${file}`)).toEqual(['@supabase/supabase-js']);
  });

  it('the core, by contrast, imports jose (the check sees dependencies)', async () => {
    expect(await outsideImports(`${packageDir}dist/index.js`)).toContain('jose');
  });
});
