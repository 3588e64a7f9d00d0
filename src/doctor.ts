import type { LogtoSupabaseOptions } from './bridge.js';
import { doctorChecks, type DoctorStep } from './doctor/checks.js';
import { createDoctorContext, type DoctorOptions } from './doctor/context.js';

export type { DoctorOptions } from './doctor/context.js';
export { probeSubject } from './doctor/context.js';

/** One line of the checklist. `fix` says what to change when `ok` is false. */
export interface DoctorCheck {
  id: string;
  title: string;
  ok: boolean;
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

/** The checklist as the CLI prints it: ✓ or ✗ per line, the fix under each failure, a summary. */
export function formatChecks(checks: DoctorCheck[]): string {
  const lines = checks.flatMap((check) => [
    `${check.ok ? '✓' : '✗'} ${check.title}: ${check.detail}`,
    ...(!check.ok && check.fix ? [`    fix: ${check.fix}`] : []),
  ]);
  const failed = checks.filter((check) => !check.ok).length;
  return `${lines.join('\n')}\n\n${failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`}\n`;
}
