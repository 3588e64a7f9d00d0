/**
 * A scratch copy of the package, built here by the repository's own tsup configuration, for tests
 * that need the package as users install it without touching a concurrent `dist/`.
 */
import { realpathSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import tsupConfig from '../../tsup.config.js';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Builds the package into `node_modules/.cache/<name>-<pid>/` (inside node_modules, so the build
 * and its consumers resolve jose, supabase-js and the frameworks; its real path, as node_modules
 * may be a link shared by several checkouts) and returns that directory, with a trailing slash.
 */
export async function buildScratchPackage(name: string, { dts }: { dts: boolean }): Promise<string> {
  const dir = `${realpathSync(`${repositoryRoot}node_modules`)}/.cache/${name}-${process.pid}/`;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await copyFile(`${repositoryRoot}package.json`, `${dir}package.json`);
  await build({ ...(tsupConfig as Options), config: false, outDir: `${dir}dist`, dts, sourcemap: false, silent: true });
  return dir;
}

export const removeScratchPackage = (dir: string) => rm(dir, { recursive: true, force: true });
