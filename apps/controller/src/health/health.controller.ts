import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ComponentHealthIndicators } from './component.health';
import { PostgresHealthIndicator } from './postgres.health';

/** Liveness and readiness of the controller (SPEC §7). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly components: ComponentHealthIndicators,
  ) {}

  /** Liveness: 200 as soon as the process serves HTTP. */
  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: each dependency reported; 503 while any required one is down. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => this.postgres.check(),
      () => this.components.discordGateway(),
      () => this.components.agentGatewayListening(),
    ]);
  }
}
