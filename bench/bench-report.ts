/**
 * Shapes and formatting of benchmark results (SPEC §12: "`npm run bench` … human table + JSON
 * lines"). Pure functions, so the table and JSON output are unit-tested without running a
 * benchmark.
 */

/** Latency and throughput of one measured variant. Times in µs, throughput in operations/s. */
export interface BenchFigures {
  name: string;
  /** Median latency of one operation, µs. */
  p50Us: number;
  /** 99th-percentile latency of one operation, µs. */
  p99Us: number;
  /** Operations per second over the timed phase. */
  opsPerSec: number;
  /** Timed operations. */
  ops?: number;
  /** CPU time (user + system) of the measuring process per operation, µs. */
  cpuUsPerOp?: number;
}

/**
 * One row of a benchmark module's `run()` result: our figures, optionally a baseline measured in
 * the same run, `ratio` = our p99 / the baseline's p99 (lower is better), and the SPEC §12
 * targets that apply. Any other fields are kept and printed in the JSON line.
 */
export interface BenchRow extends BenchFigures {
  baseline?: BenchFigures;
  ratio?: number;
  /** Target: p99 at most this many µs. */
  targetP99Us?: number;
  /** Target: `ratio` at most this. */
  targetRatio?: number;
  /** Target: throughput at least this many operations/s. */
  targetOpsPerSec?: number;
  /** Operations that failed (not in the latency figures). */
  failures?: number;
  /** Honest caveats about how the figure was measured. */
  notes?: string[];
}

/** Outcome of a row against its targets: `pass`, `miss` (with what missed), or `n/a` (no target). */
export interface BenchVerdict {
  status: 'pass' | 'miss' | 'n/a';
  /** One entry per missed target, e.g. `p99 31.2 ms > 25 ms (1.25×)`. */
  misses: string[];
}

/** A row as `bench/run.ts` reports it: the module it came from plus the verdict. */
export interface ReportedRow extends BenchRow {
  module: string;
  verdict: BenchVerdict;
}

/** Formats a duration given in µs: `12.3 µs`, `456 µs`, `1.23 ms`, `12.3 ms`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us < 100) return `${us.toFixed(1)} µs`;
  if (us < 1000) return `${Math.round(us)} µs`;
  const ms = us / 1000;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

/** Formats a throughput in operations/s with thousands separators: `12,345/s`. */
export function formatRate(opsPerSec: number): string {
  if (!Number.isFinite(opsPerSec)) return '—';
  return `${Math.round(opsPerSec).toLocaleString('en-US')}/s`;
}

function times(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Checks a row against every target it carries. A row without targets is `n/a`. */
export function verdictOf(row: BenchRow): BenchVerdict {
  const misses: string[] = [];
  let targets = 0;
  if (row.targetP99Us !== undefined) {
    targets++;
    if (!(row.p99Us <= row.targetP99Us)) {
      misses.push(
        `p99 ${formatMicros(row.p99Us)} > ${formatMicros(row.targetP99Us)} (${times(row.p99Us / row.targetP99Us)})`,
      );
    }
  }
  if (row.targetRatio !== undefined) {
    targets++;
    if (row.ratio === undefined || !(row.ratio <= row.targetRatio)) {
      misses.push(
        row.ratio === undefined
          ? 'no ratio measured'
          : `ratio ${times(row.ratio)} > ${times(row.targetRatio)} (${times(row.ratio / row.targetRatio)})`,
      );
    }
  }
  if (row.targetOpsPerSec !== undefined) {
    targets++;
    if (!(row.opsPerSec >= row.targetOpsPerSec)) {
      misses.push(
        `${formatRate(row.opsPerSec)} < ${formatRate(row.targetOpsPerSec)} (${Math.round((100 * row.opsPerSec) / row.targetOpsPerSec)} % of target)`,
      );
    }
  }
  if (targets === 0) return { status: 'n/a', misses };
  return { status: misses.length === 0 ? 'pass' : 'miss', misses };
}

/** The targets of a row as text, e.g. `p99 ≤ 25.0 ms; ≥ 12,000/s`; `—` when none. */
export function formatTargets(row: BenchRow): string {
  const parts: string[] = [];
  if (row.targetP99Us !== undefined) parts.push(`p99 ≤ ${formatMicros(row.targetP99Us)}`);
  if (row.targetRatio !== undefined) parts.push(`ratio ≤ ${times(row.targetRatio)}`);
  if (row.targetOpsPerSec !== undefined) parts.push(`≥ ${formatRate(row.targetOpsPerSec)}`);
  return parts.length > 0 ? parts.join('; ') : '—';
}

/** Attaches the module name and verdict to each row. */
export function reportRows(module: string, rows: readonly BenchRow[]): ReportedRow[] {
  return rows.map((row) => ({ ...row, module, verdict: verdictOf(row) }));
}

const COLUMNS = [
  'benchmark',
  'p50',
  'p99',
  'throughput',
  'cpu/op',
  'baseline p50/p99',
  'baseline cpu/op',
  'ratio',
  'target',
  'result',
];

/**
 * A plain-text table, one line per row: name, p50, p99, throughput, CPU per operation, baseline
 * p50/p99 and CPU per operation, ratio (ours p99 / baseline p99), targets and pass/miss (misses
 * say by how much). `—` where a figure does not apply.
 */
export function formatTable(rows: readonly ReportedRow[]): string {
  const cells = rows.map((row) => [
    row.name,
    formatMicros(row.p50Us),
    formatMicros(row.p99Us),
    formatRate(row.opsPerSec),
    row.cpuUsPerOp === undefined ? '—' : formatMicros(row.cpuUsPerOp),
    row.baseline ? `${formatMicros(row.baseline.p50Us)} / ${formatMicros(row.baseline.p99Us)}` : '—',
    row.baseline?.cpuUsPerOp === undefined ? '—' : formatMicros(row.baseline.cpuUsPerOp),
    row.ratio === undefined ? '—' : times(row.ratio),
    formatTargets(row),
    row.verdict.status === 'miss' ? `MISS: ${row.verdict.misses.join('; ')}` : row.verdict.status,
  ]);
  const widths = COLUMNS.map((header, column) =>
    Math.max(header.length, ...cells.map((line) => line[column].length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [render(COLUMNS), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}

/** One JSON object per row, one per line (machine-readable; `jq -c` friendly). */
export function formatJsonLines(rows: readonly ReportedRow[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n');
}

/**
 * Checks that a benchmark module's `run()` returned rows of the documented shape.
 * @throws TypeError naming the module and the first offending field.
 */
export function toRows(module: string, value: unknown): BenchRow[] {
  const rows: unknown[] = Array.isArray(value) ? value : [value];
  if (rows.length === 0) throw new TypeError(`benchmark ${module} returned no rows`);
  return rows.map((row, index) => {
    if (typeof row !== 'object' || row === null) {
      throw new TypeError(`benchmark ${module} row ${index} is not an object`);
    }
    const candidate = row as Record<string, unknown>;
    if (typeof candidate.name !== 'string' || candidate.name.length === 0) {
      throw new TypeError(`benchmark ${module} row ${index} has no name`);
    }
    for (const field of ['p50Us', 'p99Us', 'opsPerSec'] as const) {
      if (typeof candidate[field] !== 'number') {
        throw new TypeError(`benchmark ${module} row ${index} (${candidate.name}): ${field} is not a number`);
      }
    }
    return candidate as unknown as BenchRow;
  });
}

/** What `bench/run.ts` passes to every module's `run()` (modules may ignore it). */
export interface BenchRunOptions {
  /** Fewer iterations and shorter time bounds (CI smoke); figures are noisier. */
  quick: boolean;
}
