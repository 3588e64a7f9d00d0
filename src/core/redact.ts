const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Shows `value` with the named properties as "[redacted]" in `JSON.stringify` and Node's
 * `util.inspect` (so `console.log` and JSON loggers print no secret), while the properties stay
 * readable in code. A spread copy is a plain object again and shows everything.
 */
export function redactInLogs<T extends object>(value: T, names: readonly string[]): T {
  const redacted = () => {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const name of names) if (name in copy) copy[name] = '[redacted]';
    return copy;
  };
  // Non-enumerable: they never show up in spreads, Object.keys or deep equality.
  Object.defineProperty(value, 'toJSON', { value: redacted });
  Object.defineProperty(value, inspectCustom, { value: redacted });
  return value;
}
