import { setTimeout as sleep } from 'node:timers/promises';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AgentRegistry } from '@app/sessions';
import { type Job, UnrecoverableError } from 'bullmq';
import { DEPLOY_OPTIONS, DEPLOY_VERIFY_QUEUE, type DeployModuleOptions } from './deploy.constants';
import { DeployOutcomeRecorder } from './deploy-outcome.recorder';
import type { DeployVerifyJobData, DeployVerifyOutcome } from './deploy-verification.types';

/** Jobs verified at once per controller (each mostly sleeps between checks). */
const VERIFY_CONCURRENCY = 16;

/**
 * Worker of the deploy-verification queue. Polls, every `verifyPollMs`, whether every invited
 * agent is a member of the guild until the window (`verifyWindowSeconds`, counted from the job's
 * creation so retries never extend it) ends, then records the outcome once
 * ({@link DeployOutcomeRecorder}).
 *
 * Membership source: the `AgentRegistry`, i.e. guild memberships reported by the runners that
 * carry the agents (`agent.hello` / `guild.join`). An agent counts as deployed only when it is in
 * the guild *and* carried by a runner, which is what makes it usable; it also costs no Discord
 * REST calls from the controller's rate-limit budget.
 *
 * Success returns the outcome (job completed). Failure records `success=false` and throws an
 * `UnrecoverableError`, so the job ends failed without pointless retries (D5). Any other error
 * (database down, worker crash) is retried by the job's attempts/backoff policy (B19).
 */
@Processor(DEPLOY_VERIFY_QUEUE, { concurrency: VERIFY_CONCURRENCY })
export class DeployVerificationProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(DeployVerificationProcessor.name);
  /** Aborted at shutdown: running checks stop waiting so the worker can close at once. */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly registry: AgentRegistry,
    private readonly recorder: DeployOutcomeRecorder,
    @Inject(DEPLOY_OPTIONS) private readonly options: DeployModuleOptions,
  ) {
    super();
  }

  /** Verifies one job. @throws UnrecoverableError when the agents did not join within the window */
  async process(job: Job<DeployVerifyJobData>): Promise<DeployVerifyOutcome> {
    const deadline = job.timestamp + this.options.verifyWindowSeconds * 1000;
    let missing = this.missing(job.data);
    while (missing.length > 0 && Date.now() < deadline) {
      await job.updateProgress({ joined: job.data.agentIds.length - missing.length });
      await sleep(Math.max(1, Math.min(this.options.verifyPollMs, deadline - Date.now())), undefined, {
        signal: this.shutdown.signal,
      }).catch(() => undefined);
      if (this.shutdown.signal.aborted) {
        // Not an outcome: the attempt fails and the job is retried (by policy) after restart.
        throw new Error('The controller is shutting down; the deploy check resumes on retry.');
      }
      missing = this.missing(job.data);
    }
    const success = missing.length === 0;
    const joined = job.data.agentIds.filter((id) => !missing.includes(id));
    const jobId = job.id ?? '';
    const recorded = await this.recorder.record({
      jobId,
      enqueuedAt: job.timestamp,
      data: job.data,
      success,
      joined,
      missing,
    });
    if (recorded) {
      this.logger.log(
        `Deploy job ${jobId}: ${success ? 'all' : `${joined.length} of`} ${job.data.agentIds.length} invited agents joined guild ${job.data.guildId}.`,
      );
    }
    if (!success) {
      throw new UnrecoverableError(
        `${missing.length} of ${job.data.agentIds.length} invited agents did not join guild ${job.data.guildId} within ${this.options.verifyWindowSeconds} s: ${missing.join(', ')}.`,
      );
    }
    return { success, joined, missing, recorded };
  }

  /** Stops waiting checks (Nest calls this before the BullMQ worker closes). */
  onModuleDestroy(): void {
    this.shutdown.abort();
  }

  private missing(data: DeployVerifyJobData): string[] {
    const inGuild = this.registry.agentIdsInGuild(data.guildId);
    return data.agentIds.filter((id) => !inGuild.has(id));
  }
}
