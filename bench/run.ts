/**
 * `npm run bench`: runs every `bench/*.bench.ts` module in sequence, prints a table
 * (name, p50/p99, throughput, baseline, ratio, target, pass/miss) and one JSON line per row on
 * stdout, and writes `bench/results/run-<timestamp>.json` (git-ignored). With `--save` it also
 * writes `bench/results/latest.json`, the committed "latest figures" the README's table quotes, so
 * an ordinary run never dirties the working tree.
 *
 * Flags: `--only <name>` (module file name without `.bench.ts`), `--quick` (fewer iterations,
 * CI smoke), `--save` (also write `latest.json`). Exit code 0 when every module ran, targets missed or not — benchmarks report, they
 * do not fail the build; 1 when a module crashed or the arguments are wrong.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { discoverBenchmarks, parseBenchArgs } from './bench-cli';
import {
  type BenchRunOptions,
  type ReportedRow,
  formatJsonLines,
  formatTable,
  reportRows,
  toRows,
} from './bench-report';

interface BenchModule {
  run(options?: BenchRunOptions): Promise<unknown>;
}

interface ModuleOutcome {
  module: string;
  seconds: number;
  /** 1-minute load average when the module started and ended (other processes share the machine). */
  loadAverage: [number, number];
  error?: string;
}

function load1(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

function isBenchModule(value: unknown): value is BenchModule {
  return typeof value === 'object' && value !== null && typeof (value as BenchModule).run === 'function';
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const save = argv.includes('--save');
  const args = parseBenchArgs(argv.filter((arg) => arg !== '--save'));
  const all = discoverBenchmarks(__dirname);
  const selected = args.only === null ? all : all.filter((file) => file.name === args.only);
  if (selected.length === 0) {
    console.error(
      `no benchmark named ${JSON.stringify(args.only)}; available: ${all.map((file) => file.name).join(', ')}`,
    );
    return 1;
  }
  const options: BenchRunOptions = { quick: args.quick };
  const rows: ReportedRow[] = [];
  const outcomes: ModuleOutcome[] = [];
  for (const file of selected) {
    const started = Date.now();
    const loadBefore = load1();
    console.error(
      `bench: running ${file.name}${args.quick ? ' (quick)' : ''} (load average ${loadBefore} on ${cpus().length} CPUs)…`,
    );
    try {
      const loaded: unknown = await import(file.path);
      if (!isBenchModule(loaded)) throw new TypeError(`${file.path} does not export run()`);
      rows.push(...reportRows(file.name, toRows(file.name, await loaded.run(options))));
      outcomes.push({
        module: file.name,
        seconds: (Date.now() - started) / 1000,
        loadAverage: [loadBefore, load1()],
      });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`bench: ${file.name} failed: ${message}`);
      outcomes.push({
        module: file.name,
        seconds: (Date.now() - started) / 1000,
        loadAverage: [loadBefore, load1()],
        error: message,
      });
    }
  }

  console.log(formatTable(rows));
  const uniqueNotes = [...new Set(rows.flatMap((row) => row.notes ?? []))];
  const loads = outcomes.map((outcome) => `${outcome.module} ${outcome.loadAverage.join(' → ')}`);
  uniqueNotes.push(`1-minute load average on ${cpus().length} CPUs during the run: ${loads.join(', ')}`);
  if (uniqueNotes.length > 0) console.log(`\nnotes:\n${uniqueNotes.map((note) => `- ${note}`).join('\n')}`);
  console.log('');
  if (rows.length > 0) console.log(formatJsonLines(rows));

  const machine = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
  };
  const results = { generatedAt: new Date().toISOString(), quick: args.quick, machine, outcomes, rows };
  const directory = join(__dirname, 'results');
  mkdirSync(directory, { recursive: true });
  // Formatted like the rest of the repository, so `prettier --check .` (ci:syntax) accepts the file.
  const names = [`run-${results.generatedAt.replace(/[:.]/g, '-')}.json`, ...(save ? ['latest.json'] : [])];
  for (const name of names) {
    const file = join(directory, name);
    const config = (await resolveConfig(file)) ?? {};
    writeFileSync(file, await format(JSON.stringify(results), { ...config, filepath: file }));
    console.error(`bench: wrote ${join('bench', 'results', name)}`);
  }
  if (!save) console.error('bench: bench/results/latest.json unchanged (add --save to update it)');
  return outcomes.some((outcome) => outcome.error !== undefined) ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
