import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Command line of `npm run bench`. */
export interface BenchArgs {
  /** Run only the benchmark module with this name (file name without `.bench.ts`). */
  only: string | null;
  /** Fewer iterations (CI smoke). */
  quick: boolean;
}

/** Usage text for `npm run bench -- --help`. */
export const BENCH_USAGE = 'usage: npm run bench -- [--only <name>] [--quick]';

/**
 * Parses `--only <name>` (or `--only=<name>`) and `--quick`.
 * @throws Error on an unknown flag or a missing `--only` value (message includes the usage).
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { only: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new Error(`--only needs a benchmark name\n${BENCH_USAGE}`);
      }
      args.only = value;
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${BENCH_USAGE}`);
  }
  return args;
}

/** A benchmark module found on disk. */
export interface BenchModuleFile {
  /** File name without `.bench.ts`, e.g. `allocation-rpc`. */
  name: string;
  path: string;
}

/** Every `*.bench.ts` in `directory`, sorted by name. */
export function discoverBenchmarks(directory: string): BenchModuleFile[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort()
    .map((file) => ({ name: basename(file, '.bench.ts'), path: join(directory, file) }));
}
