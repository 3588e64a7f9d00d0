/**
 * Size budget of the built package (dist/), as a bundler would ship it: each ESM entry bundled by
 * esbuild (minified, platform neutral) with jose, supabase-js and the frameworks external, then gzipped.
 *
 * - The core entry (`logto-supabase`) is measured the way apps use it, as a bundler tree-shakes it
 *   (`sideEffects: false`): verification alone (`verifyLogtoToken`): budget 8 KB; the bridge every
 *   adapter ships (`createLogtoSupabase`, `fromEnv`): budget 14 KB; the webhooks (verification, the
 *   user sync, the reconcile): budget 6 KB; and the whole entry, everything at once: budget 18 KB.
 *   About a third of it is messages: configuration and verification errors that name the option
 *   and the fix, and the operator log.
 * - An adapter counts only its own code beyond the core: it is bundled with every dist/ file the
 *   core bundle holds marked external (so the shared chunks are not counted twice): budget 2 KB.
 * - `logto-supabase/webhooks` holds the core's webhook functions: the whole entry counts: budget 6 KB.
 * - `logto-supabase/browser` ships to browsers on its own (supabase-js aside): the whole entry
 *   counts, every dist/ file it pulls included: budget 1.5 KB.
 * - `logto-supabase/sql` is mostly the SQL text itself: printed, no budget.
 *
 *   node scripts/size-budget.mjs        (npm run size; needs `npm run build` first)
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const KB = 1024;
const external = ['jose', '@supabase/supabase-js', 'hono', 'hono/*', 'express', 'koa', 'fastify', 'next', 'next/*'];
const adapterBudget = 2 * KB;
const webhooksBudget = 6 * KB;
const browserBudget = 1.5 * KB;
const entries = [
  { name: 'logto-supabase', file: 'index.js', kind: 'use', imports: ['verifyLogtoToken'], budget: 8 * KB },
  { name: 'logto-supabase', file: 'index.js', kind: 'use', imports: ['createLogtoSupabase', 'fromEnv'], budget: 14 * KB },
  { name: 'logto-supabase', file: 'index.js', kind: 'use', imports: ['verifyLogtoWebhook', 'createLogtoUserSync', 'syncLogtoUsers'], budget: 6 * KB },
  { name: 'logto-supabase', file: 'index.js', kind: 'core', budget: 18 * KB },
  { name: 'logto-supabase/hono', file: 'hono.js', kind: 'adapter', budget: adapterBudget },
  { name: 'logto-supabase/next', file: 'next.js', kind: 'adapter', budget: adapterBudget },
  { name: 'logto-supabase/express', file: 'express.js', kind: 'adapter', budget: adapterBudget },
  { name: 'logto-supabase/koa', file: 'koa.js', kind: 'adapter', budget: adapterBudget },
  { name: 'logto-supabase/fastify', file: 'fastify.js', kind: 'adapter', budget: adapterBudget },
  { name: 'logto-supabase/webhooks', file: 'webhooks.js', kind: 'whole entry', budget: webhooksBudget },
  { name: 'logto-supabase/browser', file: 'browser.js', kind: 'browser', budget: browserBudget },
  { name: 'logto-supabase/sql', file: 'sql.js', kind: 'sql text', budget: undefined },
];

/** Bundles one dist/ entry (or only `imports` of it, tree-shaken); `shared` files (absolute paths) stay external. */
async function measure(file, shared = new Set(), imports = undefined) {
  const keepShared = {
    name: 'keep-shared-external',
    setup(build) {
      build.onResolve({ filter: /^\./ }, ({ path, resolveDir }) => {
        const absolute = resolve(resolveDir, path);
        return shared.has(absolute) ? { path, external: true } : undefined;
      });
    },
  };
  const input = imports
    ? { stdin: { contents: `export { ${imports.join(', ')} } from './${file}';`, resolveDir: dist, loader: 'js' } }
    : { entryPoints: [join(dist, file)] };
  const result = await build({
    ...input,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external,
    loader: { '.sql': 'text' },
    plugins: [keepShared],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  const inputs = new Set(Object.keys(result.metafile.inputs).map((input) => resolve(root, input)));
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength, inputs };
}

const kb = (bytes) => `${(bytes / KB).toFixed(2)} KB`;

if (!existsSync(join(dist, 'index.js'))) {
  console.error('dist/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

const core = await measure('index.js');
const rows = [];
for (const entry of entries) {
  const size =
    entry.kind === 'core' ? core : await measure(entry.file, entry.kind === 'adapter' ? core.inputs : undefined, entry.imports);
  const over = entry.budget !== undefined && size.gzipped > entry.budget;
  rows.push({ ...entry, ...size, over });
}

const table = [
  ['entry', 'counted', 'minified', 'min+gz', 'budget', 'status'],
  ...rows.map((row) => [
    row.name,
    row.kind === 'adapter' ? 'own code beyond the core' : row.kind === 'use' ? `import { ${row.imports.join(', ')} }` : 'whole entry',
    kb(row.minified),
    kb(row.gzipped),
    row.budget === undefined ? '-' : kb(row.budget),
    row.budget === undefined ? 'info' : row.over ? 'OVER' : 'ok',
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
console.log(
  [
    'Size budget: esbuild bundle of each dist/ ESM entry (minify, platform neutral, es2022), gzip level 9.',
    `External: ${external.join(', ')}.`,
    'Core: tree-shaken per use (import { … }), and whole. Adapters: bundled with every dist/ file of the core marked external, so only the adapter\'s own code counts.',
    '',
    line(table[0]),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...table.slice(1).map(line),
  ].join('\n'),
);

const over = rows.filter((row) => row.over);
if (over.length > 0) {
  console.error(`\nover budget: ${over.map((row) => `${row.name} ${kb(row.gzipped)} > ${kb(row.budget)}`).join('; ')}`);
  process.exit(1);
}
