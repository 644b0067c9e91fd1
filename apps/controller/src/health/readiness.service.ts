import { Inject, Injectable } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { BackgroundReadiness, PostgresHealthIndicator, type RedisHealthIndicator } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { ComponentHealthIndicators } from './component.health';
import { CONTROLLER_REDIS_HEALTH } from './health.constants';
import { LavalinkReports } from './lavalink-reports';

type Dependency = 'postgres' | 'redis' | 'discord' | 'agent_gateway';

/**
 * Runs the controller's readiness checks for `/readyz` and keeps
 * `chopsticks_dependency_up{dependency}` current — after every `/readyz` and in the background
 * (see `BackgroundReadiness` in `@app/lifecycle`), so Prometheus sees a dependency go down even
 * when nobody probes `/readyz` (alert ChopsticksDependencyDown).
 */
@Injectable()
export class ReadinessService extends BackgroundReadiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly components: ComponentHealthIndicators,
    private readonly lavalink: LavalinkReports,
    @Inject(CONTROLLER_REDIS_HEALTH) private readonly redis: RedisHealthIndicator,
    private readonly metrics: ChopsticksMetrics,
  ) {
    super();
  }

  /**
   * Every dependency's state; `status: 'error'` (503 through terminus) when a required one is
   * down. @throws ServiceUnavailableException from terminus in that case (the body is the result)
   */
  override async check(): Promise<HealthCheckResult> {
    const record = (dependency: Dependency) =>
      this.recordUp(dependency, (up) => this.metrics.dependencyUp.set({ dependency }, up));
    return this.health.check([
      async () => record('postgres')(await this.postgres.check()),
      ...(this.redis.configured ? [async () => record('redis')(await this.redis.check())] : []),
      () => record('discord')(this.components.discordGateway()),
      () => record('agent_gateway')(this.components.agentGatewayListening()),
      () => this.lavalink.indicator(),
    ]);
  }
}
