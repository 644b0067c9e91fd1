import { Inject, Injectable } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import { IdentityManager } from '../identities/identity-manager.service';
import { LeaseLoop } from '../leases/lease-loop.service';
import { RUNNER_OPTIONS, type RunnerOptions } from './runner.options';

/** What the runner's gauges are computed from. */
export interface RunnerMetricsSources {
  controlConnected: boolean;
}

/**
 * Keeps the runner's metrics (`libs/metrics`, app `agents`) current: leases held, lease losses,
 * identities by state, Lavalink nodes by state (a configured node counts as connected when at
 * least one identity's LavalinkManager holds a session on it; none is counted while no identity
 * is ready) and dependency health (postgres = last lease claim succeeded, agent_gateway = control
 * socket welcomed, lavalink = a node up, absent while no identity is ready).
 */
@Injectable()
export class RunnerMetrics {
  private reportedLosses = 0;

  constructor(
    @Inject(RUNNER_OPTIONS) private readonly options: RunnerOptions,
    private readonly metrics: ChopsticksMetrics,
    private readonly identities: IdentityManager,
    private readonly leaseLoop: LeaseLoop,
  ) {}

  /** Recomputes every runner gauge and adds new lease losses to the counter. */
  refresh(sources: RunnerMetricsSources): void {
    const m = this.metrics;
    m.runnerLeasesHeld.set(this.leaseLoop.heldCount);
    const losses = this.leaseLoop.lostTotal - this.reportedLosses;
    if (losses > 0) m.runnerLeaseLosses.inc(losses);
    this.reportedLosses = this.leaseLoop.lostTotal;
    const counts = this.identities.counts();
    m.runnerIdentities.set({ state: 'connecting' }, counts.connecting);
    m.runnerIdentities.set({ state: 'ready' }, counts.ready);
    m.runnerIdentities.set({ state: 'failed' }, counts.failed);
    const up = new Set<string>();
    const ready = this.identities.ready();
    for (const identity of ready) {
      for (const node of identity.lavalink?.nodeManager.nodes.values() ?? []) {
        if (node.connected && node.sessionId) up.add(node.id);
      }
    }
    // Lavalink connections belong to ready identities: without one, nothing is connected and
    // nothing is down either (a spare runner must not raise ChopsticksLavalinkNodeDown).
    const configured = ready.length === 0 ? 0 : this.options.lavalinkNodes.length;
    const connected = this.options.lavalinkNodes.filter((node) => up.has(node.id)).length;
    m.lavalinkNodes.set({ state: 'connected' }, connected);
    m.lavalinkNodes.set({ state: 'disconnected' }, configured - connected);
    m.dependencyUp.set({ dependency: 'postgres' }, this.leaseLoop.healthy ? 1 : 0);
    m.dependencyUp.set({ dependency: 'agent_gateway' }, sources.controlConnected ? 1 : 0);
    if (configured > 0) m.dependencyUp.set({ dependency: 'lavalink' }, connected > 0 ? 1 : 0);
    else m.dependencyUp.remove({ dependency: 'lavalink' });
  }
}
