import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));

describe('test/README.md maps every source file to its tests', () => {
  const map = readFileSync(join(root, 'test', 'README.md'), 'utf8');
  const sources = walk(join(root, 'src'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => relative(root, file));

  it.each(sources)('%s has a row', (source) => {
    expect(map).toContain(`| \`${source}\` |`);
  });

  it('names only test files that exist', () => {
    const named = [...map.matchAll(/`((?:[a-z-]+)\/[a-z-]+\.test\.ts)`/g)].map(([, file]) => file!);
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(statSync(join(root, 'test', file)).isFile()).toBe(true);
  });
});
