import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    express: 'src/adapters/express.ts',
    koa: 'src/adapters/koa.ts',
    hono: 'src/adapters/hono.ts',
    next: 'src/adapters/next.ts',
    sql: 'src/sql/index.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  loader: { '.sql': 'text' },
  external: ['@supabase/supabase-js', 'express', 'koa', 'hono', 'next'],
});
