import { Injectable } from '@nestjs/common';
import { LeasesService, RunnersService } from '@app/pools';
import type { AgentLeaseChecker, RunnerAuthenticator } from './agent-gateway.ports';

/** {@link RunnerAuthenticator} over `RunnersService.verify` (constant-time hash comparison). */
@Injectable()
export class PoolsRunnerAuthenticator implements RunnerAuthenticator {
  constructor(private readonly runners: RunnersService) {}

  /** True when the runner exists, is not revoked and the secret matches its stored hash. */
  async authenticate(runnerId: string, credential: string): Promise<boolean> {
    return (await this.runners.verify(runnerId, credential)) !== null;
  }
}

/**
 * {@link AgentLeaseChecker} over `LeasesService.list` (live leases of one runner joined with
 * `agent_bots` for the pool, one query).
 */
@Injectable()
export class PoolsAgentLeaseChecker implements AgentLeaseChecker {
  constructor(private readonly leases: LeasesService) {}

  /**
   * The subset of `agentIds` on which `runnerId` holds a lease that has not expired, mapped to
   * each agent's pool id.
   */
  async leasedTo(runnerId: string, agentIds: readonly string[]): Promise<ReadonlyMap<string, string | null>> {
    const held = new Map<string, string>();
    for (const lease of await this.leases.list(runnerId)) held.set(lease.agentId, lease.poolId);
    const leased = new Map<string, string | null>();
    for (const agentId of agentIds) {
      const poolId = held.get(agentId);
      if (poolId !== undefined) leased.set(agentId, poolId);
    }
    return leased;
  }
}
