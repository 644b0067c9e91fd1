import { Logger } from '@nestjs/common';

let installed = false;

/**
 * Logs `unhandledRejection`, `uncaughtException` and process warnings instead of dying
 * silently (SPEC §9). Installed once per process even when several apps boot in it (the demo
 * and e2e tests do). An uncaught exception leaves the process in an unknown state, so it is
 * logged and the process exits with code 1; a rejection is logged and the process goes on.
 */
export function installProcessGuards(): void {
  if (installed) return;
  installed = true;
  const logger = new Logger('Process');
  process.on('unhandledRejection', (reason) => {
    logger.error(
      `Unhandled promise rejection: ${describe(reason)}`,
      reason instanceof Error ? reason.stack : undefined,
    );
  });
  process.on('uncaughtException', (error) => {
    logger.fatal(`Uncaught exception: ${describe(error)}`, error.stack);
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  });
  process.on('warning', (warning) => {
    logger.warn(`Process warning ${warning.name}: ${warning.message}`);
  });
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
