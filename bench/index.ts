/**
 * Runs the benchmarks: `npm run bench` (all) or `npm run bench -- cold http` (by name).
 * Each prints its table and the ratio it is judged by; the figures go to bench/RESULTS.md.
 * A MISS is reported, not an exit failure.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { startBenchIssuer, type BenchIssuer } from './lib/issuer.js';
import { formatVerdict, loadLine, machineLine, print, toMarkdown, type BenchResult } from './lib/report.js';

type Bench = { run(issuer: BenchIssuer): Promise<BenchResult | BenchResult[]> };

const benches: Record<string, () => Promise<Bench>> = {
  cold: () => import('./cold.js'),
  warm: () => import('./warm.js'),
  http: () => import('./http.js'),
  peers: () => import('./peers.js'),
  e2e: () => import('./e2e.js'),
  memory: () => import('./memory.js'),
  fleet: () => import('./fleet.js'),
};

const resultsFile = new URL('./RESULTS.md', import.meta.url);

/** Replaces each benchmark's section of RESULTS.md (between its markers), keeping the others. */
async function record(results: BenchResult[], command: string, seconds: number): Promise<void> {
  let text = await readFile(resultsFile, 'utf8').catch(() => '');
  if (!text.includes('<!-- results -->')) {
    text = '# Benchmark results\n\nThe latest figures of `npm run bench` (see bench/index.ts). Each section names the command and machine that produced it.\n\n<!-- results -->\n';
  }
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machineLine()} · ${loadLine()} at the end · \`${command}\` (whole run ${seconds.toFixed(0)} s)`;
  for (const result of results) {
    const section = `<!-- bench:${result.name} -->\n${toMarkdown(result)}\n\n_${stamp}_\n<!-- /bench:${result.name} -->`;
    const pattern = new RegExp(`<!-- bench:${result.name} -->[\\s\\S]*?<!-- /bench:${result.name} -->`);
    text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}\n`;
  }
  // Sections in the order of the suite.
  const sections = Object.keys(benches).map((name) => new RegExp(`<!-- bench:${name}(?:-\\w+)? -->[\\s\\S]*?<!-- /bench:${name}(?:-\\w+)? -->`, 'g'));
  const head = text.slice(0, text.indexOf('<!-- results -->') + '<!-- results -->'.length);
  const ordered = sections.flatMap((pattern) => text.match(pattern) ?? []);
  await writeFile(resultsFile, `${head}\n\n${ordered.join('\n\n')}\n`);
}

const requested = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = requested.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
const names = requested.length > 0 ? requested : Object.keys(benches);

console.log(`logto-supabase benchmarks on ${machineLine()}`);
const started = performance.now();
const issuer = await startBenchIssuer();
const results: BenchResult[] = [];
try {
  for (const name of names) {
    console.log(`\n— ${name} (${loadLine()}) …`);
    const bench = await benches[name]!();
    const produced = await bench.run(issuer);
    for (const result of [produced].flat()) {
      print(result);
      results.push(result);
    }
  }
} finally {
  await issuer.close();
}
const seconds = (performance.now() - started) / 1000;
await record(results, `npm run bench${requested.length > 0 ? ` -- ${requested.join(' ')}` : ''}`, seconds);
const verdicts = results.flatMap((result) => result.verdicts);
console.log(`\nSummary (${machineLine()}, ${seconds.toFixed(0)} s):`);
for (const v of verdicts) console.log(`  ${formatVerdict(v)}`);
const misses = verdicts.filter((v) => !v.pass).length;
if (misses > 0) console.log(`  ${misses} goal(s) missed: reported, not a failure.`);
console.log('Figures written to bench/RESULTS.md.');
