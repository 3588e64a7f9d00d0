import { inspect } from 'node:util';
import type { LogtoSupabaseLogger } from '../../src/index.js';

export interface LoggedLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  /** What came after the message (`{ cause }`, or nothing). */
  details: unknown[];
}

/**
 * A logger that keeps every call, shaped like `console` (message first). Its methods use `this`,
 * as pino's do: the library must call them as methods.
 */
export class RecordingLogger implements LogtoSupabaseLogger {
  readonly lines: LoggedLine[] = [];

  private add(level: LoggedLine['level'], message: string, details: unknown[]): void {
    this.lines.push({ level, message, details });
  }

  error(message: string, ...details: unknown[]): void {
    this.add('error', message, details);
  }

  warn(message: string, ...details: unknown[]): void {
    this.add('warn', message, details);
  }

  info(message: string, ...details: unknown[]): void {
    this.add('info', message, details);
  }

  debug(message: string, ...details: unknown[]): void {
    this.add('debug', message, details);
  }

  /** The messages of one level, in order. */
  messages(level: LoggedLine['level']): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  /** Everything the logger received, as a log file would show it (causes and their stacks included). */
  text(): string {
    return this.lines.map(({ level, message, details }) => `${level} ${message} ${inspect(details, { depth: 8 })}`).join('\n');
  }
}
