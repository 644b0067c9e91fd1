import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { readinessOf, type RedisHealthIndicator } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { ControllerApiHealthIndicator } from './controller-api.health';
import { REDIS_HEALTH } from './health.constants';

/** Liveness and readiness of the Dashboard (SPEC §1, §7). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(REDIS_HEALTH) private readonly redis: RedisHealthIndicator,
    private readonly metrics: ChopsticksMetrics,
    private readonly controllerApi: ControllerApiHealthIndicator,
  ) {}

  /** Liveness: 200 as soon as the process serves HTTP. */
  @Get('health')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis when `REDIS_URL` is set (reported and required; 503 while it is down) and the
   * controller admin API (reported, not required). Keeps `chopsticks_dependency_up{dependency="redis"}`
   * current.
   */
  @Get('readyz')
  @HealthCheck()
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const redis = async () => {
      const result = await this.redis.check();
      this.metrics.dependencyUp.set({ dependency: 'redis' }, result.redis.status === 'up' ? 1 : 0);
      return result;
    };
    const answer = await readinessOf(() =>
      this.health.check([...(this.redis.configured ? [redis] : []), () => this.controllerApi.check()]),
    );
    void reply.status(answer.status);
    return answer.body;
  }
}
