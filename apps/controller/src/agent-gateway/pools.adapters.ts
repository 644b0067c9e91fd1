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

/** {@link AgentLeaseChecker} over `LeasesService.list` (live leases of one runner, one query). */
@Injectable()
export class PoolsAgentLeaseChecker implements AgentLeaseChecker {
  constructor(private readonly leases: LeasesService) {}

  /** The subset of `agentIds` on which `runnerId` holds a lease that has not expired. */
  async leasedTo(runnerId: string, agentIds: readonly string[]): Promise<ReadonlySet<string>> {
    const held = new Set((await this.leases.list(runnerId)).map((lease) => lease.agentId));
    return new Set(agentIds.filter((agentId) => held.has(agentId)));
  }
}
