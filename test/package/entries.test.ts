import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entries } from '../../entries.js';

const readJson = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));
const packageJson = readJson('package.json');
const tsconfig = readJson('tsconfig.json');
const names = Object.keys(entries);
const subpath = (name: string) => name.replace(/^logto-supabase/, '.');

describe('one list of entry points (entries.ts) that every other file agrees with', () => {
  it('package.json exports every entry, and nothing else but the SQL file and package.json', () => {
    const exported = Object.keys(packageJson.exports).filter((key) => key !== './sql/logto.sql' && key !== './package.json');
    expect(exported.sort()).toEqual(names.map(subpath).sort());
  });

  it.each(names)('package.json maps %s to its built files, ESM and CJS, types first', (name) => {
    const { dist } = entries[name as keyof typeof entries];
    expect(packageJson.exports[subpath(name)]).toEqual({
      import: { types: `./dist/${dist}.d.ts`, default: `./dist/${dist}.js` },
      require: { types: `./dist/${dist}.d.cts`, default: `./dist/${dist}.cjs` },
    });
  });

  it('package.json typesVersions maps every subpath entry to its types, for TypeScript resolving like node10 ("module": "commonjs")', () => {
    const subpaths = names.filter((name) => name !== 'logto-supabase');
    const expected = Object.fromEntries(subpaths.map((name) => [name.slice('logto-supabase/'.length), [`./dist/${entries[name as keyof typeof entries].dist}.d.ts`]]));
    expect(packageJson.typesVersions).toEqual({ '*': expected });
  });

  it('tsconfig.json maps every entry to its source, so samples import the package by name', () => {
    const paths = Object.fromEntries(names.map((name) => [name, [`./${entries[name as keyof typeof entries].source}`]]));
    expect(tsconfig.compilerOptions.paths).toEqual(paths);
  });

  it('the size budget measures every entry', () => {
    const budget = readFileSync(new URL('../../scripts/size-budget.mjs', import.meta.url), 'utf8');
    for (const name of names) expect(budget).toContain(`name: '${name}'`);
  });
});
