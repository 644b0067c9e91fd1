import { Controller, Get, Res } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { readinessOf } from '@app/lifecycle';
import { DashboardReadiness } from './readiness.service';

/** Liveness and readiness of the Dashboard (SPEC §1, §7). */
@Controller()
export class HealthController {
  constructor(private readonly service: DashboardReadiness) {}

  /** Liveness: 200 as soon as the process serves HTTP. */
  @Get('health')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness (see {@link DashboardReadiness}); 503 while a required dependency is down. */
  @Get('readyz')
  @HealthCheck()
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const answer = await readinessOf(() => this.service.check());
    void reply.status(answer.status);
    return answer.body;
  }
}
