/** Options of {@link ReconnectBackoff}. */
export interface ReconnectBackoffOptions {
  /** Delay before the first retry, ms (doubles per consecutive failure). */
  baseMs: number;
  /** Ceiling of any delay, ms (SPEC §4: 30 s). */
  maxMs: number;
  /** Random source in [0, 1) (tests may pin it). */
  random?: () => number;
}

/**
 * Jittered exponential backoff ("equal jitter"): the n-th consecutive failure waits
 * `d/2 + random·d/2` with `d = min(maxMs, baseMs·2^(n−1))`, so retries spread out but never drop
 * below half the nominal delay. `reset()` after a successful handshake.
 */
export class ReconnectBackoff {
  private failures = 0;

  constructor(private readonly options: ReconnectBackoffOptions) {}

  /** Consecutive failures recorded since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure and returns how long to wait before the next attempt (ms). */
  next(): number {
    this.failures += 1;
    const exponent = Math.min(this.failures - 1, 30);
    const nominal = Math.min(this.options.maxMs, this.options.baseMs * 2 ** exponent);
    return this.jitter(nominal);
  }

  /** Records a failure that retrying soon cannot fix: waits the ceiling (jittered). */
  nextFatal(): number {
    this.failures += 1;
    return this.jitter(this.options.maxMs);
  }

  /** Forgets past failures (after a successful `welcome`). */
  reset(): void {
    this.failures = 0;
  }

  private jitter(nominal: number): number {
    const random = this.options.random ?? Math.random;
    return Math.round(nominal / 2 + random() * (nominal / 2));
  }
}
