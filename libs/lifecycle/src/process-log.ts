import pino from 'pino';
import { REDACTED_LOG_PATHS } from './logging.module';

let logger: pino.Logger | null = null;

/**
 * The process-level logger: JSON lines of the same shape as an app's pino lines (`level`,
 * `time`, `app`, `context: "Process"`, `msg`), secrets redacted, written synchronously to
 * stderr so a line is out before `process.exit`. Used for what happens outside any app's logger:
 * process guards, start-up failures and the shutdown watchdog. The first call names the `app`
 * (`runApp` passes the app's name; default `process`).
 */
export function processLogger(app = 'process'): pino.Logger {
  logger ??= pino(
    { base: { app }, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: true }),
  ).child({ context: 'Process' });
  return logger;
}
