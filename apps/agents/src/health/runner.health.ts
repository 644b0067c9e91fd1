import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { IdentityManager } from '../identities/identity-manager.service';
import { RunnerService } from '../runner/runner.service';
import { RUNNER_LAVALINK_NODE_IDS } from './health.constants';

/**
 * Readiness of the runner's own connections: the control connection to the controller's agent
 * gateway (welcomed) and its Lavalink nodes as seen by the ready agent identities (each identity
 * has its own LavalinkManager; a node counts as connected when at least one identity holds a
 * session on it).
 */
@Injectable()
export class RunnerHealthIndicators {
  constructor(
    @Inject(RUNNER_LAVALINK_NODE_IDS) private readonly lavalinkNodeIds: readonly string[],
    private readonly indicators: HealthIndicatorService,
    private readonly runner: RunnerService,
    private readonly identities: IdentityManager,
  ) {}

  /**
   * `agent_gateway: up` while the control connection to the controller's agent gateway is
   * welcomed (not draining); the same name as `chopsticks_dependency_up{dependency}`.
   */
  agentGateway() {
    const indicator = this.indicators.check('agent_gateway');
    const details = { draining: this.runner.isDraining, replaced: this.runner.isReplaced };
    return this.runner.control.connected && !this.runner.isDraining
      ? indicator.up(details)
      : indicator.down(details);
  }

  /**
   * `lavalink`: per configured node, how many ready identities hold a session on it. `down` when
   * identities are ready but none reaches any configured node (music cannot play); `up` while no
   * identity is ready yet (nothing to connect with) or when no node is configured.
   */
  lavalink() {
    const indicator = this.indicators.check('lavalink');
    const configured = this.lavalinkNodeIds;
    const ready = this.identities.ready();
    const nodes: Record<string, { connectedAgents: number }> = {};
    for (const id of configured) nodes[id] = { connectedAgents: 0 };
    for (const identity of ready) {
      for (const node of identity.lavalink?.nodeManager.nodes.values() ?? []) {
        if (node.connected && node.sessionId && nodes[node.id]) nodes[node.id].connectedAgents += 1;
      }
    }
    const reachable = configured.filter((id) => nodes[id].connectedAgents > 0).length;
    const details = { configured: configured.length, reachable, readyAgents: ready.length, nodes };
    return configured.length > 0 && ready.length > 0 && reachable === 0
      ? indicator.down(details)
      : indicator.up(details);
  }
}
