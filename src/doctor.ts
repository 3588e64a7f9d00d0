import type { LogtoSupabaseOptions } from './bridge.js';
import { doctorChecks, type DoctorStep } from './doctor/checks.js';
import { createDoctorContext, type DoctorOptions } from './doctor/context.js';

export type { DoctorOptions } from './doctor/context.js';
export { probeSubject } from './doctor/context.js';

/** One line of the checklist. `fix` says what to change when `ok` is false or `warning` is set. */
export interface DoctorCheck {
  id: string;
  title: string;
  ok: boolean;
  /** Works now, but something will break (e.g. policies calling auth.uid()): not a failure. */
  warning?: boolean;
  detail: string;
  fix?: string;
}

/**
 * Checks everything the integration depends on, against the real Logto tenant and Supabase
 * project, and returns a checklist: one line per check of `checks` that applies. Secrets are
 * never part of the result.
 *
 * @example
 * const checks = await runDoctor(fromEnv());
 * const healthy = checks.every((check) => check.ok);
 */
export async function runDoctor(
  options: LogtoSupabaseOptions,
  doctor: DoctorOptions = {},
  checks: readonly DoctorStep[] = doctorChecks,
): Promise<DoctorCheck[]> {
  const context = createDoctorContext(options, doctor);
  const results: DoctorCheck[] = [];
  for (const { id, title, run } of checks) {
    const finding = await run(context);
    if (finding) results.push({ id, title: typeof title === 'function' ? title(context) : title, ...finding });
  }
  return results;
}

const markOf = (check: DoctorCheck) => (!check.ok ? '✗' : check.warning ? '⚠' : '✓');

/** The checklist as the CLI prints it: ✓, ⚠ or ✗ per line, the fix under each failure or warning, a summary. */
export function formatChecks(checks: DoctorCheck[]): string {
  const lines = checks.flatMap((check) => [
    `${markOf(check)} ${check.title}: ${check.detail}`,
    ...((!check.ok || check.warning) && check.fix ? [`    fix: ${check.fix}`] : []),
  ]);
  const failed = checks.filter((check) => !check.ok).length;
  const warnings = checks.filter((check) => check.ok && check.warning).length;
  const summary = failed > 0 ? `${failed} check(s) failed.` : warnings > 0 ? `All checks passed, with ${warnings} warning(s).` : 'All checks passed.';
  return `${lines.join('\n')}\n\n${summary}\n`;
}
