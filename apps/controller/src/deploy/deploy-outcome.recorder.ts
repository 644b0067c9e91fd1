import { Injectable } from '@nestjs/common';
import { AuditEvent, AuditService } from '@app/access';
import { ChopsticksMetrics } from '@app/metrics';
import { DataSource } from 'typeorm';
import type { DeployVerifyJobData } from './deploy-verification.types';

/** Audit action of a finished deploy verification. */
export const DEPLOY_VERIFIED_ACTION = 'agent.deploy.verified';
/** Audit target type of deploy jobs. */
export const DEPLOY_JOB_TARGET = 'deploy-job';

/** One outcome to record, keyed by the job and its creation time (stable across retries). */
export interface DeployOutcomeInput {
  jobId: string;
  /** BullMQ `job.timestamp` (epoch ms): distinguishes a later job reusing the same id. */
  enqueuedAt: number;
  data: DeployVerifyJobData;
  success: boolean;
  joined: string[];
  missing: string[];
}

/**
 * Applies a deploy-verification outcome exactly once per job (B19): under a transaction-scoped
 * Postgres advisory lock on the job key, the audit event is written only if none exists for
 * `(jobId, enqueuedAt)`; the counter `chopsticks_agent_deployments_total{success}` rises only
 * when this call wrote it. A retry after a crash therefore finds the row and changes nothing.
 */
@Injectable()
export class DeployOutcomeRecorder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  /** @returns true when this call applied the effect, false when it had been applied before */
  async record(input: DeployOutcomeInput): Promise<boolean> {
    const enqueuedAt = String(input.enqueuedAt);
    const written = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${input.jobId}@${enqueuedAt}`]);
      const existing = await manager
        .getRepository(AuditEvent)
        .createQueryBuilder('e')
        .where('e.action = :action', { action: DEPLOY_VERIFIED_ACTION })
        .andWhere('e.target_type = :type', { type: DEPLOY_JOB_TARGET })
        .andWhere('e.target_id = :id', { id: input.jobId })
        .andWhere("e.payload ->> 'enqueuedAt' = :enqueuedAt", { enqueuedAt })
        .getCount();
      if (existing > 0) return false;
      await this.audit.record(
        {
          actor: input.data.actorUserId,
          action: DEPLOY_VERIFIED_ACTION,
          targetType: DEPLOY_JOB_TARGET,
          targetId: input.jobId,
          payload: {
            enqueuedAt,
            success: input.success,
            guildId: input.data.guildId,
            poolId: input.data.poolId,
            desiredTotal: input.data.desiredTotal,
            joined: input.joined,
            missing: input.missing,
          },
        },
        manager,
      );
      return true;
    });
    if (written) this.metrics.agentDeployments.inc({ success: input.success ? 'true' : 'false' });
    return written;
  }
}
