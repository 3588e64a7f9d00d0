import { defineConfig } from 'tsup';
import { binaries, entries, externals } from './entries.js';

export default defineConfig({
  entry: {
    ...Object.fromEntries(Object.values(entries).map(({ dist, source }) => [dist, source])),
    ...binaries,
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  loader: { '.sql': 'text' },
  external: externals,
});
