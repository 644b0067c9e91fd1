import { Controller, Get, Res } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { PostgresHealthIndicator, readinessOf } from '@app/lifecycle';
import { RunnerHealthIndicators } from './runner.health';

/** Liveness and readiness of the agent runner (SPEC §1, §7). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly runner: RunnerHealthIndicators,
  ) {}

  /** Liveness: 200 as soon as the process serves HTTP. */
  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: postgres, agent_gateway and lavalink, each reported; 503 while any is down.
   */
  @Get('readyz')
  @HealthCheck()
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const answer = await readinessOf(() =>
      this.health.check([
        () => this.postgres.check(),
        () => this.runner.agentGateway(),
        () => this.runner.lavalink(),
      ]),
    );
    void reply.status(answer.status);
    return answer.body;
  }
}
