import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ChopsticksMetrics } from '@app/metrics';
import { AgentGatewayEvents } from '../agent-gateway';

/** Lavalink node states an agent reports in its `lavalink.node` events (SPEC §4). */
type ReportedNodeState = 'connected' | 'disconnected' | 'reconnecting' | 'error';

/** What the controller knows about one Lavalink node from its agents' reports. */
export interface LavalinkNodeReport {
  /** Agents whose last report for this node was `connected`. */
  connectedAgents: number;
  /** Agents whose last report was `disconnected`, `reconnecting` or `error`. */
  unavailableAgents: number;
}

/**
 * Lavalink as the controller sees it: the controller never talks to Lavalink itself, so it keeps
 * the last `lavalink.node` event of each owned agent (forgotten when the agent leaves) and
 * reports, per node id, how many agents hold a session on it. A node is reachable when at least
 * one agent reports it connected. Also keeps the controller's `chopsticks_lavalink_nodes{state}`
 * and `chopsticks_dependency_up{dependency="lavalink"}` current (the latter only while some agent
 * reports, so a controller without agents never claims "down" — or a stale "up").
 */
@Injectable()
export class LavalinkReports implements OnModuleInit, OnModuleDestroy {
  private readonly byAgent = new Map<string, Map<string, ReportedNodeState>>();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly indicators: HealthIndicatorService,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('agent.event', ({ agentId, event }) => {
        if (event.name !== 'lavalink.node') return;
        let nodes = this.byAgent.get(agentId);
        if (!nodes) this.byAgent.set(agentId, (nodes = new Map<string, ReportedNodeState>()));
        nodes.set(event.nodeId, event.state);
        this.publish();
      }),
      this.events.on('agents.lost', ({ agentIds }) => {
        let changed = false;
        for (const agentId of agentIds) changed = this.byAgent.delete(agentId) || changed;
        if (changed) this.publish();
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }

  /** Per node id, the agents reporting it connected or unavailable. */
  nodes(): Record<string, LavalinkNodeReport> {
    const nodes: Record<string, LavalinkNodeReport> = {};
    for (const reports of this.byAgent.values()) {
      for (const [nodeId, state] of reports) {
        const node = (nodes[nodeId] ??= { connectedAgents: 0, unavailableAgents: 0 });
        if (state === 'connected') node.connectedAgents += 1;
        else node.unavailableAgents += 1;
      }
    }
    return nodes;
  }

  /**
   * Readiness entry `lavalink` (not required: the controller serves commands without it, music
   * fails per request). Always `up` for terminus; `reachable` says the truth: `true` when every
   * reported node has a connected agent, `false` when some node has none, `null` before any
   * report.
   */
  indicator() {
    const nodes = this.nodes();
    const ids = Object.keys(nodes);
    const reachable = ids.length === 0 ? null : ids.every((id) => nodes[id].connectedAgents > 0);
    return this.indicators.check('lavalink').up({ required: false, reachable, nodes });
  }

  private publish(): void {
    const nodes = Object.values(this.nodes());
    const connected = nodes.filter((node) => node.connectedAgents > 0).length;
    this.metrics.lavalinkNodes.set({ state: 'connected' }, connected);
    this.metrics.lavalinkNodes.set({ state: 'disconnected' }, nodes.length - connected);
    if (nodes.length > 0) this.metrics.dependencyUp.set({ dependency: 'lavalink' }, connected > 0 ? 1 : 0);
    else this.metrics.dependencyUp.remove({ dependency: 'lavalink' });
  }
}
