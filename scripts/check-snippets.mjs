/**
 * Every snippet a user may copy compiles against the package as a consumer gets it: each `ts`/`tsx`
 * block of README.md and each JSDoc `@example` of the built `.d.ts` files is type-checked under
 * `"module": "nodenext"`, `"moduleResolution": "bundler"` and `"module": "commonjs"` (node10).
 *
 * What a snippet assumes from the app around it is declared, and nothing else is excused:
 * - a README block may be preceded by `<!-- assumes: <TypeScript declarations> -->`;
 * - an `@example` gets its entry's exports (and the core's) imported, plus the names in `assumed`
 *   below for that entry.
 *
 *   node scripts/check-snippets.mjs     (npm run test:snippets; needs `npm run build` first)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'snippets');

/** Names an `@example` may use without defining, per entry: what the surrounding app provides. */
const common = `
declare const request: Request;
declare const token: string;
declare const options: import('logto-supabase').LogtoSupabaseOptions;
declare const auth: import('logto-supabase').LogtoAuth;
declare const env: Record<string, string | undefined>;
`;
const assumed = {
  'logto-supabase': common,
  'logto-supabase/express': `${common}
declare const app: import('express').Express;
declare const createPost: import('express').RequestHandler;`,
  'logto-supabase/koa': `${common}
declare const app: import('koa');
declare const router: { get(path: string, ...middleware: import('koa').Middleware[]): void; post(path: string, ...middleware: import('koa').Middleware[]): void };
declare const createPost: import('koa').Middleware;`,
  'logto-supabase/hono': `${common}
declare const app: import('hono').Hono<{ Bindings: Record<string, string> }>;
declare const createPost: import('hono').MiddlewareHandler;`,
  'logto-supabase/fastify': `${common}
declare const app: import('fastify').FastifyInstance;`,
  'logto-supabase/next': `${common}
declare const logtoConfig: import('@logto/next').LogtoNextConfig;
declare const getLogtoContext: typeof import('@logto/next/server-actions').getLogtoContext;
declare const createPost: import('logto-supabase/next').LogtoSupabaseRouteHandler<unknown>;`,
  'logto-supabase/browser': `${common}
declare const logtoClient: { getAccessToken(resource: string): Promise<string | null> };
declare const useLogto: typeof import('@logto/react').useLogto;`,
  'logto-supabase/sql': `${common}
declare const sql: { unsafe(query: string): Promise<unknown> };`,
  'logto-supabase/webhooks': `${common}
declare const signingKey: string;
declare const rawBody: string;
declare const headers: Headers;`,
};

const modes = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', type: 'module' },
  bundler: { module: 'esnext', moduleResolution: 'bundler', type: 'module' },
  commonjs: { module: 'commonjs', type: 'commonjs' },
};

/** Top-level `await` is ESM-only; in a CommonJS app those lines live in an async function. */
const ignoredIn = { commonjs: new Set(['TS1378', 'TS1375', 'TS1309']) };

function readmeSnippets() {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const snippets = [];
  const fence = /(?:<!--\s*assumes:([\s\S]*?)-->\s*\n)?```(tsx?)\n([\s\S]*?)```/g;
  for (const match of text.matchAll(fence)) {
    const line = text.slice(0, match.index).split('\n').length + (match[1] ? match[0].split('\n').findIndex((l) => l.startsWith('```')) : 0);
    snippets.push({ where: `README.md:${line}`, ext: match[2], preamble: match[1] ?? '', code: match[3] });
  }
  return snippets;
}

/** The names a built `.d.ts` exports (tsup writes one `export { … }` list). */
function exportedNames(text) {
  const dts = text.replace(/\/\*[\s\S]*?\*\//g, '');
  const names = [];
  for (const [, list] of dts.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of list.split(',')) {
      const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
      if (name && name !== 'default') names.push(name);
    }
  }
  for (const [, name] of dts.matchAll(/export\s+(?:declare\s+)?(?:function|const|class|interface|type)\s+(\w+)/g)) names.push(name);
  return [...new Set(names)];
}

function exampleSnippets() {
  const entries = entryFiles();
  // An example may use its own entry's exports, the core's and the webhooks' (what an app imports beside it).
  const shared = ['logto-supabase', 'logto-supabase/webhooks'].filter((name) => entries.some(([entry]) => entry === name));
  const exportsOf = (name) => exportedNames(readFileSync(join(root, 'dist', `${entries.find(([entry]) => entry === name)[1]}.d.ts`), 'utf8'));
  const snippets = [];
  for (const [name, file] of entries) {
    const dts = readFileSync(join(root, 'dist', `${file}.d.ts`), 'utf8');
    const own = exportedNames(dts);
    for (const [index, example] of examplesOf(dts).entries()) {
      const imported = importedNames(example);
      const taken = new Set([...own, ...imported]);
      const importList = (names, from) => {
        const missing = names.filter((n) => !imported.has(n));
        missing.forEach((n) => taken.add(n));
        return missing.length ? `import { ${missing.join(', ')} } from '${from}';` : '';
      };
      const imports = [
        importList(own, name),
        ...shared.filter((entry) => entry !== name).map((entry) => importList(exportsOf(entry).filter((n) => !taken.has(n)), entry)),
      ].join('\n');
      const context = withoutDeclaredBy(example, assumed[name] ?? common);
      snippets.push({ where: `dist/${file}.d.ts @example ${index + 1}`, ext: 'ts', preamble: `${imports}\n${context}`, code: example });
    }
  }
  return snippets;
}

/** The assumed declarations, less those of names the example declares itself. */
function withoutDeclaredBy(code, declarations) {
  return declarations
    .split('\n')
    .filter((line) => {
      const name = /declare const (\w+)/.exec(line)?.[1];
      return !name || !new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b`).test(code);
    })
    .join('\n');
}

/** Names an example imports itself (they are not imported for it again). */
function importedNames(code) {
  const names = new Set();
  for (const [, list] of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from/g)) {
    for (const item of list.split(',')) names.add(item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim());
  }
  return names;
}

function examplesOf(dts) {
  const examples = [];
  for (const [comment] of dts.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
    let current;
    for (const line of lines) {
      if (/^@example\b/.test(line)) {
        current = [];
        examples.push(current);
      } else if (/^@\w+/.test(line)) current = undefined;
      else current?.push(line);
    }
  }
  return examples.map((lines) => lines.join('\n').replace(/^```\w*\n|```\s*$/gm, '').trim()).filter(Boolean);
}

/** Entry name → dist file, from package.json's exports (entries.ts is TypeScript; this script is not). */
function entryFiles() {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.entries(exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath, target]) => [subpath.replace(/^\./, 'logto-supabase'), target.import.default.replace(/^\.\/dist\/|\.js$/g, '')]);
}

function writeProject(mode, settings, snippets) {
  const dir = join(work, mode);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'logto-supabase'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `snippets-${mode}`, private: true, type: settings.type }));
  const compilerOptions = {
    module: settings.module,
    ...(settings.moduleResolution ? { moduleResolution: settings.moduleResolution } : {}),
    target: 'es2022',
    lib: ['es2022', 'dom', 'dom.iterable'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    jsx: 'react-jsx',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    isolatedModules: false,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts', '*.tsx'] }, null, 2));
  snippets.forEach((snippet, index) => {
    const source = `${snippet.preamble}\n// ---- ${snippet.where}\n${snippet.code}\nexport {};\n`;
    writeFileSync(join(dir, `snippet-${index}.${snippet.ext}`), source);
  });
  return dir;
}

function typecheck(mode, dir, snippets) {
  let output = '';
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  }
  const problems = [];
  for (const line of output.split('\n')) {
    const match = /snippet-(\d+)\.tsx?\((\d+),\d+\): error (TS\d+): (.*)/.exec(line);
    if (!match) {
      if (line.trim() && !/^\s/.test(line)) problems.push(`${mode}: ${line}`);
      continue;
    }
    const [, index, , code, message] = match;
    if (ignoredIn[mode]?.has(code)) continue;
    problems.push(`${mode}: ${snippets[Number(index)].where}: ${code} ${message}`);
  }
  return problems;
}

function main() {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
    console.error('check-snippets: dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  rmSync(work, { recursive: true, force: true });
  const snippets = [...readmeSnippets(), ...exampleSnippets()];
  const problems = Object.entries(modes).flatMap(([mode, settings]) => typecheck(mode, writeProject(mode, settings, snippets), snippets));
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(`\n${problems.length} problem(s) in ${snippets.length} snippets.`);
    process.exit(1);
  }
  console.log(`snippets: ${snippets.length} (README blocks and @examples), each type-checked under ${Object.keys(modes).join(', ')}: OK`);
}

main();
