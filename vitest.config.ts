import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { entries } from './entries.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Samples and tests import the package by name, as users do; in the repo that is the source.
    alias: Object.entries(entries).map(([name, { source: file }]) => ({
      find: new RegExp(`^${name.replace('/', '\\/')}$`),
      replacement: source(`./${file}`),
    })),
  },
  plugins: [
    {
      // The build inlines sql/*.sql as text (tsup loader); tests import the same file the same way.
      name: 'sql-as-text',
      transform(code, id) {
        if (id.endsWith('.sql')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
