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
 * A single measured quantity rather than a latency distribution: idle CPU (`% of a core`),
 * memory per agent (`KiB/agent`), a failover time (`s`).
 */
export interface BenchValue {
  name: string;
  value: number;
  /** Unit printed after the value, e.g. `%`, `KiB/agent`, `s`. */
  unit: string;
}

/**
 * One row of a benchmark module's `run()` result. A latency row carries our figures (`p50Us`,
 * `p99Us`, `opsPerSec`) and optionally a `baseline` measured in the same run, with `ratio` = our
 * p99 / the baseline's p99. A value row carries `value` + `unit` and optionally a
 * `baselineValue`, with `ratio` = value / baseline value. Lower ratios are better; the SPEC §12
 * targets that apply ride along. Any other fields are kept and printed in the JSON line.
 */
export interface BenchRow extends Partial<Omit<BenchFigures, 'name'>> {
  name: string;
  /** The measured quantity of a value row. */
  value?: number;
  /** Unit of `value` (and of `baselineValue` and `targetMaxValue`). */
  unit?: string;
  baseline?: BenchFigures;
  /** Baseline of a value row (usually in the same unit). */
  baselineValue?: BenchValue;
  ratio?: number;
  /** What `ratio` compares against when it is not the baseline, e.g. `target`. */
  ratioTo?: string;
  /** Target: `value` at most this (same unit). */
  targetMaxValue?: number;
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

/** Formats a duration given in µs: `12.3 µs`, `456 µs`, `1.23 ms`, `12.3 ms`; `—` when absent. */
export function formatMicros(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '—';
  if (us < 100) return `${us.toFixed(1)} µs`;
  if (us < 1000) return `${Math.round(us)} µs`;
  const ms = us / 1000;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

/** Formats a throughput in operations/s with thousands separators: `12,345/s`; `—` when absent. */
export function formatRate(opsPerSec: number | undefined): string {
  if (opsPerSec === undefined || !Number.isFinite(opsPerSec)) return '—';
  return `${Math.round(opsPerSec).toLocaleString('en-US')}/s`;
}

/**
 * Formats a value with three significant digits (at most two decimals) and its unit: `0.412 %`,
 * `9.87 KiB/agent`, `3.2 s`; `—` when absent. A unit starting with a letter gets a space.
 */
export function formatValue(value: number | undefined, unit = ''): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = Number(value.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
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
    const p99 = row.p99Us ?? Number.NaN;
    if (!(p99 <= row.targetP99Us)) {
      misses.push(
        `p99 ${formatMicros(p99)} > ${formatMicros(row.targetP99Us)} (${times(p99 / row.targetP99Us)})`,
      );
    }
  }
  if (row.targetMaxValue !== undefined) {
    targets++;
    const value = row.value ?? Number.NaN;
    if (!(value <= row.targetMaxValue)) {
      misses.push(
        `${formatValue(value, row.unit)} > ${formatValue(row.targetMaxValue, row.unit)} (${times(value / row.targetMaxValue)})`,
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
    const rate = row.opsPerSec ?? Number.NaN;
    if (!(rate >= row.targetOpsPerSec)) {
      misses.push(
        `${formatRate(rate)} < ${formatRate(row.targetOpsPerSec)} (${Math.round((100 * rate) / row.targetOpsPerSec)} % of target)`,
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
  if (row.targetMaxValue !== undefined) parts.push(`≤ ${formatValue(row.targetMaxValue, row.unit)}`);
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
  'value',
  'cpu/op',
  'baseline',
  'baseline cpu/op',
  'ratio',
  'target',
  'result',
];

/**
 * A plain-text table, one line per row: name, p50, p99, throughput, value (value rows), CPU per
 * operation, baseline (p50 / p99, or the baseline value) and its CPU per operation, ratio,
 * targets and pass/miss (misses say by how much). `—` where a figure does not apply.
 */
export function formatTable(rows: readonly ReportedRow[]): string {
  const cells = rows.map((row) => [
    row.name,
    formatMicros(row.p50Us),
    formatMicros(row.p99Us),
    formatRate(row.opsPerSec),
    formatValue(row.value, row.unit),
    row.cpuUsPerOp === undefined ? '—' : formatMicros(row.cpuUsPerOp),
    row.baseline
      ? `${formatMicros(row.baseline.p50Us)} / ${formatMicros(row.baseline.p99Us)}`
      : row.baselineValue
        ? formatValue(row.baselineValue.value, row.baselineValue.unit)
        : '—',
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
    if (candidate.value !== undefined) {
      if (typeof candidate.value !== 'number' || typeof candidate.unit !== 'string') {
        throw new TypeError(
          `benchmark ${module} row ${index} (${candidate.name}): value is not a number with a unit`,
        );
      }
      return candidate as unknown as BenchRow;
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
