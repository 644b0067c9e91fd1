import { Inject, Injectable } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { BackgroundReadiness, type RedisHealthIndicator } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { ControllerApiHealthIndicator } from './controller-api.health';
import { REDIS_HEALTH } from './health.constants';

/**
 * The Dashboard's readiness: Redis when `REDIS_URL` is set (reported and required) and the
 * controller admin API (reported, not required). Keeps
 * `chopsticks_dependency_up{dependency="redis"}` current after every `/readyz` and in the
 * background (see `BackgroundReadiness` in `@app/lifecycle`).
 */
@Injectable()
export class DashboardReadiness extends BackgroundReadiness {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(REDIS_HEALTH) private readonly redis: RedisHealthIndicator,
    private readonly metrics: ChopsticksMetrics,
    private readonly controllerApi: ControllerApiHealthIndicator,
  ) {
    super();
  }

  /** @throws ServiceUnavailableException from terminus while Redis is down (the body is the result) */
  override async check(): Promise<HealthCheckResult> {
    const record = this.recordUp('redis', (up) => this.metrics.dependencyUp.set({ dependency: 'redis' }, up));
    return this.health.check([
      ...(this.redis.configured ? [async () => record(await this.redis.check())] : []),
      () => this.controllerApi.check(),
    ]);
  }
}
