/** Node's `util.inspect.custom`, without importing node:util. */
export const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

type Redactor = (this: object) => Record<string, unknown>;

/** One function per list of names, shared by every value it redacts (it reads `this`). */
const redactors = new Map<string, Redactor>();

function redactorOf(names: readonly string[]): Redactor {
  const key = names.join('\n');
  let redactor = redactors.get(key);
  if (!redactor) {
    redactor = function redacted(this: object) {
      const copy: Record<string, unknown> = { ...(this as Record<string, unknown>) };
      for (const name of names) if (name in copy) copy[name] = '[redacted]';
      return copy;
    };
    redactors.set(key, redactor);
  }
  return redactor;
}

/**
 * Makes `JSON.stringify` and Node's `util.inspect` (so `console.log` and JSON loggers) show
 * `view()` instead of `value`. Non-enumerable: they never show up in spreads, Object.keys or
 * deep equality.
 */
export function showInLogsAs<T extends object>(value: T, view: () => unknown): T {
  Object.defineProperty(value, 'toJSON', { value: view });
  Object.defineProperty(value, inspectCustom, { value: view });
  return value;
}

/**
 * Shows `value` with the named properties as "[redacted]" in `JSON.stringify` and Node's
 * `util.inspect`, while the properties stay readable in code. A spread copy is a plain object
 * again and shows everything. Values redacted alike share the same functions, so options rebuilt
 * with equal values still compare equal (src/adapters/plain-options.ts).
 */
export function redactInLogs<T extends object>(value: T, names: readonly string[]): T {
  return showInLogsAs(value, redactorOf(names));
}
