import { processLogger } from './process-log';

let installed = false;

/**
 * Logs `unhandledRejection`, `uncaughtException` and process warnings as JSON lines (see
 * `processLogger`) instead of dying silently (SPEC §9). Node's own warning printer (plain
 * `(node:PID) Warning: …` text on stderr) is removed, so each warning is one JSON line.
 * Installed once per process even when several apps boot in it (the demo and e2e tests do). An
 * uncaught exception leaves the process in an unknown state, so it is logged and the process
 * exits with code 1; a rejection is logged and the process goes on.
 * @param app `app` field of the lines (the first call in a process names it)
 */
export function installProcessGuards(app?: string): void {
  if (installed) return;
  installed = true;
  const logger = processLogger(app);
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { stack: reason instanceof Error ? reason.stack : undefined },
      `Unhandled promise rejection: ${describe(reason)}`,
    );
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ stack: error.stack }, `Uncaught exception: ${describe(error)}`);
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  });
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn(`Process warning ${warning.name}: ${warning.message}`);
  });
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
