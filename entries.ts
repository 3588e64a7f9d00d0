/**
 * The package's entry points, in one list. tsup builds them, vitest and tsx map the package
 * name to their sources, and test/package/entries.test.ts checks that package.json (`exports`,
 * `typesVersions`), tsconfig.json (`paths`) and the size budget agree with it.
 */
export const entries = {
  'logto-supabase': { dist: 'index', source: 'src/index.ts' },
  'logto-supabase/express': { dist: 'express', source: 'src/adapters/express.ts' },
  'logto-supabase/koa': { dist: 'koa', source: 'src/adapters/koa.ts' },
  'logto-supabase/hono': { dist: 'hono', source: 'src/adapters/hono.ts' },
  'logto-supabase/next': { dist: 'next', source: 'src/adapters/next.ts' },
  'logto-supabase/fastify': { dist: 'fastify', source: 'src/adapters/fastify.ts' },
  'logto-supabase/sql': { dist: 'sql', source: 'src/sql/index.ts' },
  'logto-supabase/webhooks': { dist: 'webhooks', source: 'src/webhooks/index.ts' },
  'logto-supabase/browser': { dist: 'browser', source: 'src/browser.ts' },
} as const;

/** Built, but not importable: the `logto-supabase` command. */
export const binaries = { cli: 'src/cli.ts' } as const;

/** Frameworks and peers the build leaves to the app. */
export const externals = ['@supabase/supabase-js', 'express', 'koa', 'hono', 'next', 'fastify'];
