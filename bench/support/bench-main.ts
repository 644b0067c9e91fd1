import type { BenchRunOptions } from '../bench-report';

/**
 * Makes a bench file runnable on its own (`npx tsx bench/<name>.bench.ts [--quick]`): when
 * `entry` is the process's main module, runs `run` (quick with `--quick`) and prints each row
 * as one JSON line on stdout; a failure is printed to stderr and sets exit code 1. Does nothing
 * when the file is imported (by `bench/run.ts` or a test).
 */
export function runWhenMain(
  entry: NodeJS.Module,
  run: (options: BenchRunOptions) => Promise<readonly unknown[]>,
): void {
  if (require.main !== entry) return;
  run({ quick: process.argv.includes('--quick') })
    .then((rows) => {
      for (const row of rows) console.log(JSON.stringify(row));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
