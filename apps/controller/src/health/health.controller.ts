import { Controller, Get, Res } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { readinessOf } from '@app/lifecycle';
import { ReadinessService } from './readiness.service';

/** Liveness and readiness of the controller (SPEC §7). */
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: 200 as soon as the process serves HTTP. */
  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: each dependency reported (postgres, redis when `REDIS_URL` is set, discord,
   * agent_gateway, lavalink as reported by agents); 503 while any required one is down.
   */
  @Get('readyz')
  @HealthCheck()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const answer = await readinessOf(() => this.readiness.check());
    void reply.status(answer.status);
    return answer.body;
  }
}
