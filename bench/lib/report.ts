/** Printing and recording benchmark results: machine, table, the judged ratio and its verdict. */
import { cpus, loadavg } from 'node:os';

export interface Verdict {
  label: string;
  ratio: number;
  goal: number;
  /** How the ratio is written: `0.97` or `24.1×`. */
  unit: 'ratio' | 'times';
  pass: boolean;
  /** For a goal that is not a ratio: the figure and the goal, written out. */
  shown?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  header: string[];
  rows: (string | number)[][];
  verdicts: Verdict[];
  notes: string[];
}

export const machine = () => {
  const list = cpus();
  return { cpu: list[0]?.model.trim() ?? 'unknown CPU', cores: list.length, node: process.version };
};

export const machineLine = () => {
  const { cpu, cores, node } = machine();
  return `${cpu}, ${cores} cores, Node ${node}`;
};

/** The 1-minute load average: on a shared machine, other work skews every figure. */
export const loadLine = () => `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function verdict(label: string, ratio: number, goal: number, unit: Verdict['unit'] = 'ratio'): Verdict {
  return { label, ratio, goal, unit, pass: ratio >= goal };
}

export const formatRatio = (value: number, unit: Verdict['unit']) => (unit === 'times' ? `${value.toFixed(1)}×` : value.toFixed(2));
export const formatVerdict = (v: Verdict) =>
  `${v.label}: ${v.shown ?? `${formatRatio(v.ratio, v.unit)} (goal ≥ ${formatRatio(v.goal, v.unit)})`} ${v.pass ? 'PASS' : 'MISS'}`;

/** A goal checked some other way than a ratio. */
export const check = (label: string, pass: boolean, shown: string): Verdict => ({ label, ratio: Number.NaN, goal: Number.NaN, unit: 'ratio', pass, shown });

/** Thousands separators for counts and rates. */
export const count = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function align(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.slice(1).map(line)];
}

/** The table and verdicts as Markdown (also what is printed). */
export function toMarkdown(result: BenchResult): string {
  return [
    `### ${result.title}`,
    '',
    ...align(result.header, result.rows),
    '',
    ...result.verdicts.map((v) => `- **${formatVerdict(v)}**`),
    ...result.notes.map((note) => `- ${note}`),
  ].join('\n');
}

export function print(result: BenchResult): void {
  console.log(`\n${toMarkdown(result)}\n`);
}
