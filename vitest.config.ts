import { defineConfig } from 'vitest/config';

export default defineConfig({
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
