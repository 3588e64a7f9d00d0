const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

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
 * again and shows everything.
 */
export function redactInLogs<T extends object>(value: T, names: readonly string[]): T {
  return showInLogsAs(value, () => {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const name of names) if (name in copy) copy[name] = '[redacted]';
    return copy;
  });
}
