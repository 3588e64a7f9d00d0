/**
 * The package's types under every TypeScript module setting a consumer may have: a small
 * consumer project that imports every entry (and relies on the adapters' module augmentation) is
 * type-checked with tsc against a build made here, under node10 (`"module": "commonjs"` and no
 * `moduleResolution`, as most Express projects have it), node16 from ESM and from CommonJS, and
 * bundler. node10 ignores `exports`: the subpaths resolve through `typesVersions`.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../../entries.js';
import { buildScratchPackage, removeScratchPackage, repositoryRoot } from '../helpers/scratch-package.js';

const run = promisify(execFile);
let packageDir = '';

/** What a consumer writes: one import per entry, and the request properties each adapter adds. */
const consumer = `
import { createLogtoSupabase, type LogtoAuth, type LogtoSupabaseOptions } from 'logto-supabase';
import { createBrowserSupabaseClient } from 'logto-supabase/browser';
import { logtoSupabase as expressMiddleware } from 'logto-supabase/express';
import { logtoSupabase as fastifyPlugin, requireScopes } from 'logto-supabase/fastify';
import { logtoSupabase as honoMiddleware, type LogtoSupabaseVariables } from 'logto-supabase/hono';
import { logtoSupabase as koaMiddleware } from 'logto-supabase/koa';
import { withLogtoSupabase } from 'logto-supabase/next';
import { logtoSql } from 'logto-supabase/sql';
import { verifyLogtoWebhook } from 'logto-supabase/webhooks';
import type { Request as ExpressRequest } from 'express';
import type { FastifyRequest } from 'fastify';
import type { Context as KoaContext } from 'koa';

declare const options: LogtoSupabaseOptions;
declare const expressRequest: ExpressRequest;
declare const fastifyRequest: FastifyRequest;
declare const koaContext: KoaContext;

export const made = [createLogtoSupabase, createBrowserSupabaseClient, expressMiddleware(options), fastifyPlugin, requireScopes('a'), honoMiddleware(options), koaMiddleware(options), withLogtoSupabase, verifyLogtoWebhook];
export const sql: string = logtoSql;
export const fromExpress: LogtoAuth | null | undefined = expressRequest.auth;
export const fromFastify: LogtoAuth | null = fastifyRequest.auth;
export const fromKoa: LogtoAuth | null | undefined = koaContext.auth;
export type HonoAuth = LogtoSupabaseVariables['auth'];
`;

const settings = {
  'node10 ("module": "commonjs", no moduleResolution)': { type: 'commonjs', compilerOptions: { module: 'commonjs' } },
  'node16 from ESM': { type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16' } },
  'node16 from CommonJS': { type: 'commonjs', compilerOptions: { module: 'node16', moduleResolution: 'node16' } },
  bundler: { type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler' } },
};

/** Writes the consumer project for one setting beside the built package, linked as node_modules/logto-supabase. */
async function consumerProject(name: string, { type, compilerOptions }: (typeof settings)[keyof typeof settings]): Promise<string> {
  const dir = `${packageDir}consumers/${name.replace(/\W+/g, '-')}/`;
  await mkdir(`${dir}node_modules`, { recursive: true });
  await symlink(packageDir, `${dir}node_modules/logto-supabase`, 'dir');
  await writeFile(`${dir}package.json`, JSON.stringify({ name: 'consumer', private: true, type }));
  const tsconfig = {
    compilerOptions: { ...compilerOptions, target: 'es2022', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, types: ['node'] },
    files: ['consumer.ts'],
  };
  await writeFile(`${dir}tsconfig.json`, JSON.stringify(tsconfig));
  await writeFile(`${dir}consumer.ts`, consumer);
  return dir;
}

/** tsc's diagnostics for the project (empty when it type-checks). */
async function typecheck(dir: string): Promise<string> {
  try {
    await run(process.execPath, [`${repositoryRoot}node_modules/typescript/bin/tsc`, '-p', dir]);
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

beforeAll(async () => {
  packageDir = await buildScratchPackage('logto-supabase-types-test', { dts: true });
}, 240_000);

afterAll(() => removeScratchPackage(packageDir));

describe('a consumer project type-checks against the built package', () => {
  it('imports every entry of entries.ts', () => {
    const imported = [...consumer.matchAll(/from '(logto-supabase[^']*)'/g)].map((match) => match[1]);
    expect(new Set(imported)).toEqual(new Set(Object.keys(entries)));
  });

  it.each(Object.entries(settings))('%s', async (name, setting) => {
    expect(await typecheck(await consumerProject(name, setting))).toBe('');
  }, 120_000);

  it('the check sees resolution failures: node10 without typesVersions cannot find the subpaths (TS2307)', async () => {
    const dir = await consumerProject('node10 without typesVersions', settings['node10 ("module": "commonjs", no moduleResolution)']);
    const { typesVersions: _ignored, ...withoutTypesVersions } = JSON.parse(await readFile(`${packageDir}package.json`, 'utf8')) as Record<string, unknown>;
    // A copy of the package whose package.json lacks typesVersions, the dist/ linked from the build.
    const copy = `${dir}node_modules/logto-supabase-copy/`;
    await mkdir(copy, { recursive: true });
    await symlink(`${packageDir}dist`, `${copy}dist`, 'dir');
    await writeFile(`${copy}package.json`, JSON.stringify(withoutTypesVersions));
    await writeFile(`${dir}consumer.ts`, "import { logtoSupabase } from 'logto-supabase-copy/fastify';\nexport const plugin = logtoSupabase;\n");
    expect(await typecheck(dir)).toContain("error TS2307: Cannot find module 'logto-supabase-copy/fastify'");
  }, 120_000);
});
