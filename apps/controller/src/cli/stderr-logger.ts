import { LoggerService } from '@nestjs/common';

/**
 * Nest logger that writes to stderr, keeping stdout for command results. Bootstrap failures
 * (`ExceptionHandler`) are left to the CLI, which prints them once as a sentence.
 */
export class StderrLogger implements LoggerService {
  constructor(private readonly showAll = false) {}

  log(message: unknown, context?: string): void {
    if (this.showAll) this.write('LOG', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = rest.length > 0 ? rest[rest.length - 1] : undefined;
    if (context === 'ExceptionHandler' && !this.showAll) return;
    this.write('ERROR', message, typeof context === 'string' ? context : undefined);
  }

  warn(message: unknown, context?: string): void {
    this.write('WARN', message, context);
  }

  debug(message: unknown, context?: string): void {
    if (this.showAll) this.write('DEBUG', message, context);
  }

  private write(level: string, message: unknown, context?: string): void {
    const text =
      message instanceof Error
        ? message.message
        : typeof message === 'string'
          ? message
          : JSON.stringify(message);
    process.stderr.write(`${level}${context ? ` [${context}]` : ''} ${text}\n`);
  }
}
