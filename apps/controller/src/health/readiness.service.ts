import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { PostgresHealthIndicator, type RedisHealthIndicator } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { ComponentHealthIndicators } from './component.health';
import { CONTROLLER_REDIS_HEALTH, READINESS_PROBE_INTERVAL_MS } from './health.constants';
import { LavalinkReports } from './lavalink-reports';

type Dependency = 'postgres' | 'redis' | 'discord' | 'agent_gateway';

/**
 * Runs the controller's readiness checks for `/readyz` and keeps
 * `chopsticks_dependency_up{dependency}` current — after every `/readyz` and every
 * {@link READINESS_PROBE_INTERVAL_MS} in the background, so Prometheus sees a dependency go down
 * even when nobody probes `/readyz` (alert ChopsticksDependencyDown).
 */
@Injectable()
export class ReadinessService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly components: ComponentHealthIndicators,
    private readonly lavalink: LavalinkReports,
    @Inject(CONTROLLER_REDIS_HEALTH) private readonly redis: RedisHealthIndicator,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check().catch(() => undefined), READINESS_PROBE_INTERVAL_MS);
    this.timer.unref();
    void this.check().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Every dependency's state; `status: 'error'` (503 through terminus) when a required one is
   * down. @throws ServiceUnavailableException from terminus in that case (the body is the result)
   */
  async check(): Promise<HealthCheckResult> {
    const record = (dependency: Dependency) => (result: HealthIndicatorResult) => {
      this.metrics.dependencyUp.set({ dependency }, result[dependency]?.status === 'up' ? 1 : 0);
      return result;
    };
    return this.health.check([
      async () => record('postgres')(await this.postgres.check()),
      ...(this.redis.configured ? [async () => record('redis')(await this.redis.check())] : []),
      () => record('discord')(this.components.discordGateway()),
      () => record('agent_gateway')(this.components.agentGatewayListening()),
      () => this.lavalink.indicator(),
    ]);
  }
}
