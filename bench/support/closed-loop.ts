import { performance } from 'node:perf_hooks';
import type { BenchFigures } from '../bench-report';

/** Bounds of one measured phase: whichever of `maxOps` and `maxMs` comes first ends it. */
export interface LoopBounds {
  /** Operations kept in flight at once (closed loop: each finishes before its slot starts another). */
  concurrency: number;
  maxOps: number;
  maxMs: number;
}

/** Raw outcome of {@link closedLoop}. */
export interface LoopResult {
  /** Latency of each successful operation, µs, sorted ascending. */
  samples: Float64Array;
  /** Successful operations. */
  ops: number;
  failures: number;
  /** First failure's message, if any. */
  firstError: string | null;
  /** Wall time of the phase, ms. */
  elapsedMs: number;
  /** CPU time (user + system) this process spent during the phase, µs. */
  cpuUs: number;
}

/**
 * Runs `operation` in a closed loop with `concurrency` slots until `maxOps` operations started
 * or `maxMs` passed, timing each one with `performance.now()`. `operation(slot)` gets its slot
 * number (0 ≤ slot < concurrency); a slot never runs two operations at once. A rejected
 * operation counts as a failure and is left out of the latency samples.
 */
export async function closedLoop(
  bounds: LoopBounds,
  operation: (slot: number) => Promise<void>,
): Promise<LoopResult> {
  const samples = new Float64Array(bounds.maxOps);
  let started = 0;
  let ops = 0;
  let failures = 0;
  let firstError: string | null = null;
  const cpuBefore = process.cpuUsage();
  const begin = performance.now();
  const deadline = begin + bounds.maxMs;
  const slot = async (index: number): Promise<void> => {
    while (started < bounds.maxOps && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      try {
        await operation(index);
        samples[ops++] = (performance.now() - t0) * 1000;
      } catch (error) {
        failures++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: bounds.concurrency }, (_, index) => slot(index)));
  const elapsedMs = performance.now() - begin;
  const cpu = process.cpuUsage(cpuBefore);
  const timed = samples.slice(0, ops).sort();
  return { samples: timed, ops, failures, firstError, elapsedMs, cpuUs: cpu.user + cpu.system };
}

/** Nearest-rank percentile of ascending `sorted` samples (0 when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * p50/p99 (µs, two decimals), throughput (successful operations per second of wall time), count,
 * and this process's CPU time per operation (µs) — the figure least disturbed by other processes
 * on a shared machine.
 */
export function figuresOf(name: string, result: LoopResult): BenchFigures {
  return {
    name,
    p50Us: round(percentile(result.samples, 0.5)),
    p99Us: round(percentile(result.samples, 0.99)),
    opsPerSec: Math.round(result.ops / (result.elapsedMs / 1000)),
    ops: result.ops,
    cpuUsPerOp: result.ops > 0 ? round(result.cpuUs / result.ops) : 0,
  };
}
