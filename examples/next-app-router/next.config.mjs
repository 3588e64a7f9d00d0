import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Built with webpack (`next build --webpack`): the sample imports the library from the
 * repository's src/ (tsconfig `paths`), whose ESM imports name `.ts` files as `.js`; Turbopack in
 * Next 16 cannot map them yet (vercel/next.js#82945). An app that installs `logto-supabase` from
 * npm imports the built package and works with either bundler.
 *
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  typedRoutes: false,
  outputFileTracingRoot: repositoryRoot,
  experimental: {
    // Compile TypeScript from outside this folder (../../src) too.
    externalDir: true,
    // `import './bridge.js'` in src/ means bridge.ts, as TypeScript's ESM resolution has it.
    extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
  },
};

export default nextConfig;
