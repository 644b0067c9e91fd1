import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';

/** A readiness answer: HTTP status and the terminus result body (`status`, `info`, `error`, `details`). */
export interface ReadinessAnswer {
  status: 200 | 503;
  body: HealthCheckResult;
}

/**
 * Runs a terminus health check and returns the answer instead of throwing, so a `/readyz` route
 * sends terminus' own body (each dependency with its state) with 503 even when the app installs
 * a global exception filter (problem+json) that would otherwise rewrite the error. Set the
 * status on the reply: `reply.status(answer.status); return answer.body;`.
 * @throws whatever the check throws besides terminus' ServiceUnavailableException
 */
export async function readinessOf(check: () => Promise<HealthCheckResult>): Promise<ReadinessAnswer> {
  try {
    return { status: 200, body: await check() };
  } catch (error) {
    if (error instanceof ServiceUnavailableException)
      return { status: 503, body: error.getResponse() as HealthCheckResult };
    throw error;
  }
}
