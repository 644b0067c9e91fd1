import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';

/** Period of the background readiness probe that keeps `chopsticks_dependency_up` current (ms). */
export const READINESS_PROBE_INTERVAL_MS = 15_000;

/** Period of that probe while a required dependency is down (ms). */
export const READINESS_RETRY_INTERVAL_MS = 2_000;

/**
 * Base of an app's readiness service: `check()` runs the app's terminus checks (for `/readyz`
 * through `readinessOf`) and this class also runs it in the background from bootstrap to
 * shutdown — every {@link READINESS_PROBE_INTERVAL_MS}, every {@link READINESS_RETRY_INTERVAL_MS}
 * while a required dependency is down — so gauges the check records (e.g.
 * `chopsticks_dependency_up{dependency}` through {@link BackgroundReadiness.recordUp}) follow
 * an outage and a recovery even when nobody calls `/readyz` (alert ChopsticksDependencyDown).
 */
export abstract class BackgroundReadiness implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  /**
   * Every dependency's state; `status: 'error'` when a required one is down.
   * @throws ServiceUnavailableException from terminus in that case (the body is the result)
   */
  abstract check(): Promise<HealthCheckResult>;

  onApplicationBootstrap(): void {
    this.stopped = false;
    void this.probe();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Wraps an indicator's result: calls `set(1)` when `result[key]` is up, `set(0)` otherwise,
   * and returns the result unchanged (use inside `check()`).
   */
  protected recordUp(
    key: string,
    set: (up: 0 | 1) => void,
  ): (result: HealthIndicatorResult) => HealthIndicatorResult {
    return (result) => {
      set(result[key]?.status === 'up' ? 1 : 0);
      return result;
    };
  }

  /** One background check; the next follows sooner while something is down (e.g. at boot). */
  private async probe(): Promise<void> {
    const allUp = await this.check().then(
      () => true,
      () => false,
    );
    if (this.stopped) return;
    this.timer = setTimeout(
      () => void this.probe(),
      allUp ? READINESS_PROBE_INTERVAL_MS : READINESS_RETRY_INTERVAL_MS,
    );
    this.timer.unref();
  }
}
