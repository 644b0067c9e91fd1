import type { INestApplicationContext } from '@nestjs/common';
import { EnvValidationError, loadEnvFile } from '@app/config';
import { installProcessGuards } from './process-guards';
import { processLogger } from './process-log';

/** Longest a graceful shutdown may take before the process is forced down (SPEC §9: 10 s). */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/** Signals that start a graceful shutdown. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs an app's composition root from `main.ts`: installs process guards, loads `./.env` (see
 * `loadEnvFile`; the real environment wins), builds and starts the
 * app, and turns SIGTERM/SIGINT into a graceful shutdown that exits 0 (Nest closes modules via
 * `enableShutdownHooks(…, { useProcessExit: true })`; without `useProcessExit` Nest re-raises
 * the signal and the exit code would be 143). A watchdog forces exit 1 if shutdown takes longer
 * than {@link SHUTDOWN_DEADLINE_MS}.
 *
 * A configuration error logs one JSON line (`processLogger`, stderr) naming every bad variable
 * (never a value) and exits 1; any other start-up failure is logged the same way and exits 1.
 * @param name app name for messages (`controller`, `agents`, …)
 * @param start builds and starts the app (listens on its ports) and returns it
 */
export async function runApp(name: string, start: () => Promise<INestApplicationContext>): Promise<void> {
  installProcessGuards(name);
  loadEnvFile();
  let app: INestApplicationContext;
  try {
    app = await start();
  } catch (error) {
    const message =
      error instanceof EnvValidationError
        ? error.message
        : `${error instanceof Error ? error.message : String(error)}`;
    processLogger(name).fatal(`failed to start: ${message}`);
    process.exit(1);
  }
  app.enableShutdownHooks([...SHUTDOWN_SIGNALS], { useProcessExit: true });
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      setTimeout(() => {
        processLogger(name).fatal(`shutdown exceeded ${SHUTDOWN_DEADLINE_MS} ms, forcing exit`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}
