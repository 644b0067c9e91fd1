import type { LoggerService } from '@nestjs/common';

/**
 * A Nest logger that keeps every log, warn and error line (debug and verbose are dropped) so a
 * test can check what was — or was not — logged.
 */
export class RecordingLogger implements LoggerService {
  readonly lines: { level: 'log' | 'warn' | 'error'; message: string }[] = [];

  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }

  warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }

  error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }

  debug(): void {}

  verbose(): void {}

  /** How many recorded lines match `pattern` (any level). */
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line.message)).length;
  }
}
