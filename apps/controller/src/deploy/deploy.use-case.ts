import { Injectable } from '@nestjs/common';
import { DeployPlanner, type DeployPlan, type DeployPlanInput } from './deploy-planner.service';
import { DeployVerificationQueue, type DeployEnqueueResult } from './deploy-verification.queue';

/** Result of {@link DeployUseCase.execute}. */
export interface DeployResult {
  plan: DeployPlan;
  /** The verification job, or null when nothing was invited or verification is disabled. */
  verification: DeployEnqueueResult | null;
}

/**
 * `/agents deploy` service layer (SPEC §5): plans the deploy and, when it produced invites,
 * enqueues one verification job per intent (deterministic id: duplicates make one job).
 */
@Injectable()
export class DeployUseCase {
  constructor(
    private readonly planner: DeployPlanner,
    private readonly verification: DeployVerificationQueue,
  ) {}

  /** @throws DeployException as {@link DeployPlanner.plan} */
  async execute(input: DeployPlanInput): Promise<DeployResult> {
    const plan = await this.planner.plan(input);
    if (plan.invites.length === 0 || !this.verification.enabled) return { plan, verification: null };
    const verification = await this.verification.enqueue({
      guildId: plan.guildId,
      poolId: plan.poolId,
      agentIds: plan.invites.map((invite) => invite.agentId),
      actorUserId: input.actorUserId,
      desiredTotal: plan.desiredTotal,
    });
    return { plan, verification };
  }
}
