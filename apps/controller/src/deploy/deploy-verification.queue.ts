import { createHash } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  DEPLOY_OPTIONS,
  DEPLOY_VERIFY_JOB,
  DEPLOY_VERIFY_QUEUE,
  type DeployModuleOptions,
} from './deploy.constants';
import { DeployException, DeployExceptionCode } from './deploy.exception';
import type { DeployJobStatus, DeployVerifyJobData, DeployVerifyOutcome } from './deploy-verification.types';

/**
 * Deterministic job id of a deploy intent: `deploy-<guildId>-<hash>` where the hash is the first
 * 24 hex digits of SHA-256 over the pool id and the sorted invited agent ids. The same intent
 * always yields the same id, so BullMQ keeps one job (BullMQ ids must not contain `:`).
 */
export function deployJobId(guildId: string, poolId: string, agentIds: readonly string[]): string {
  const hash = createHash('sha256')
    .update([poolId, ...[...agentIds].sort()].join('\n'))
    .digest('hex')
    .slice(0, 24);
  return `deploy-${guildId}-${hash}`;
}

/** Result of {@link DeployVerificationQueue.enqueue}. */
export interface DeployEnqueueResult {
  jobId: string;
  /**
   * False when a job with the same id already existed (duplicate intent). Two intents racing
   * may both report true; BullMQ still keeps one job.
   */
  created: boolean;
}

/**
 * Producer side of the deploy-verification queue (`@nestjs/bullmq`, on Redis or BullMQ's Postgres
 * backend). Absent queue (no backend) makes every call fail with `VERIFICATION_DISABLED`.
 */
@Injectable()
export class DeployVerificationQueue implements OnModuleInit {
  private readonly logger = new Logger(DeployVerificationQueue.name);

  constructor(
    @Inject(DEPLOY_OPTIONS) private readonly options: DeployModuleOptions,
    @Optional() @InjectQueue(DEPLOY_VERIFY_QUEUE) private readonly queue?: Queue<DeployVerifyJobData>,
  ) {}

  onModuleInit(): void {
    if (!this.queue) {
      this.logger.warn(
        'No deploy queue backend (REDIS_URL unset and the Postgres queue off): deploy plans work, but deploy verification jobs are disabled (no queue, no chopsticks_agent_deployments_total updates).',
      );
    }
  }

  /** True when verification jobs can be enqueued. */
  get enabled(): boolean {
    return this.queue !== undefined;
  }

  /**
   * Adds a verification job with the deterministic id {@link deployJobId}; a duplicate intent
   * returns the pending or running job, while a finished (completed or failed) job with that id is
   * replaced by a new one (a deploy retried after a failure is verified again). Retries: `verifyAttempts` with exponential backoff from
   * `verifyBackoffMs`.
   * @throws DeployException VERIFICATION_DISABLED, INVALID_INPUT (no agents)
   */
  async enqueue(data: DeployVerifyJobData): Promise<DeployEnqueueResult> {
    const queue = this.requireQueue();
    if (data.agentIds.length === 0)
      throw new DeployException(DeployExceptionCode.InvalidInput, 'A verification job needs invited agents.');
    const agentIds = [...data.agentIds].sort();
    const jobId = deployJobId(data.guildId, data.poolId, agentIds);
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      // A pending or running job is the same intent; a finished one (kept for a while for status
      // reads) gives way to a new verification, whose outcome is keyed by its own timestamp.
      if (state !== 'completed' && state !== 'failed') return { jobId, created: false };
      await existing.remove();
    }
    const job = await queue.add(
      DEPLOY_VERIFY_JOB,
      { ...data, agentIds },
      {
        jobId,
        attempts: this.options.verifyAttempts,
        backoff: { type: 'exponential', delay: this.options.verifyBackoffMs },
        removeOnComplete: { age: this.options.verifyWindowSeconds, count: 1000 },
        removeOnFail: { age: 7 * 86_400, count: 1000 },
      },
    );
    return { jobId: job.id ?? jobId, created: true };
  }

  /** Status of one job. @throws DeployException VERIFICATION_DISABLED, JOB_NOT_FOUND */
  async status(jobId: string): Promise<DeployJobStatus> {
    const queue = this.requireQueue();
    const job = await queue.getJob(jobId);
    if (!job) throw new DeployException(DeployExceptionCode.JobNotFound, `No deploy job ${jobId}.`);
    const progress = job.progress as { joined?: number } | number | undefined;
    const outcome = (job.returnvalue ?? null) as DeployVerifyOutcome | null;
    return {
      jobId,
      state: await job.getState(),
      attemptsMade: job.attemptsMade,
      joined: outcome ? outcome.joined.length : typeof progress === 'object' ? (progress.joined ?? 0) : 0,
      total: job.data.agentIds.length,
      outcome,
      failedReason: job.failedReason ?? null,
    };
  }

  private requireQueue(): Queue<DeployVerifyJobData> {
    if (!this.queue) {
      throw new DeployException(
        DeployExceptionCode.VerificationDisabled,
        'Deploy verification is disabled on this controller (no queue backend).',
      );
    }
    return this.queue;
  }
}
