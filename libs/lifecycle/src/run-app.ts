import type { INestApplicationContext } from '@nestjs/common';
import { EnvValidationError, loadEnvFile } from '@app/config';
import { installProcessGuards } from './process-guards';

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
 * A configuration error prints one line naming every bad variable (never a value) to stderr
 * and exits 1; any other start-up failure is printed and exits 1.
 * @param name app name for messages (`controller`, `agents`, …)
 * @param start builds and starts the app (listens on its ports) and returns it
 */
export async function runApp(name: string, start: () => Promise<INestApplicationContext>): Promise<void> {
  installProcessGuards();
  loadEnvFile();
  let app: INestApplicationContext;
  try {
    app = await start();
  } catch (error) {
    const message =
      error instanceof EnvValidationError
        ? error.message
        : `${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`[chopsticks:${name}] failed to start: ${message}\n`);
    process.exit(1);
  }
  app.enableShutdownHooks([...SHUTDOWN_SIGNALS], { useProcessExit: true });
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(
          `[chopsticks:${name}] shutdown exceeded ${SHUTDOWN_DEADLINE_MS} ms, forcing exit\n`,
        );
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}
