import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { PostgresHealthIndicator, type RedisHealthIndicator } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { ComponentHealthIndicators } from './component.health';
import {
  CONTROLLER_REDIS_HEALTH,
  READINESS_PROBE_INTERVAL_MS,
  READINESS_RETRY_INTERVAL_MS,
} from './health.constants';
import { LavalinkReports } from './lavalink-reports';

type Dependency = 'postgres' | 'redis' | 'discord' | 'agent_gateway';

/**
 * Runs the controller's readiness checks for `/readyz` and keeps
 * `chopsticks_dependency_up{dependency}` current — after every `/readyz` and in the background
 * every {@link READINESS_PROBE_INTERVAL_MS} (every {@link READINESS_RETRY_INTERVAL_MS} while a
 * required dependency is down, so the gauge follows a recovery and the boot quickly), so
 * Prometheus sees a dependency go down even when nobody probes `/readyz` (alert
 * ChopsticksDependencyDown).
 */
@Injectable()
export class ReadinessService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly components: ComponentHealthIndicators,
    private readonly lavalink: LavalinkReports,
    @Inject(CONTROLLER_REDIS_HEALTH) private readonly redis: RedisHealthIndicator,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    void this.probe();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
