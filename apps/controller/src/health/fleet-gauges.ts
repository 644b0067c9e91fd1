import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import type { SessionKind } from '@app/protocol';
import { AgentRegistry, type LiveAgent, SessionRegistry } from '@app/sessions';

/** Period of the refresh that keeps agent uptimes current between registry changes (ms). */
export const FLEET_GAUGES_REFRESH_MS = 5_000;

const KINDS: readonly SessionKind[] = ['music', 'assistant'];

/**
 * Keeps the controller's fleet gauges (SPEC §8 runbook names) current from the live registries:
 * `chopsticks_sessions_active{kind}`, `chopsticks_pool_utilization_ratio{kind}` (agents holding
 * at least one session of the kind ÷ ready agents able to serve it; `overall` = agents holding
 * any session ÷ ready agents; 0 with no ready agent) and `chopsticks_agent_uptime_seconds{stat}`
 * (min, max, avg seconds since each ready agent connected; 0 with none). Recomputed on every
 * session and agent change and every {@link FLEET_GAUGES_REFRESH_MS}.
 */
@Injectable()
export class FleetGauges implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const refresh = () => this.refresh();
    this.unsubscribers.push(
      this.sessions.events.on('session.bound', refresh),
      this.sessions.events.on('session.released', refresh),
      this.agents.events.on('agent.up', refresh),
      this.agents.events.on('agent.down', refresh),
      this.agents.events.on('agent.updated', refresh),
    );
    this.timer = setInterval(refresh, FLEET_GAUGES_REFRESH_MS);
    this.timer.unref();
    this.refresh();
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Recomputes every fleet gauge (cost: one pass over agents and sessions). */
  refresh(now = Date.now()): void {
    const ready: LiveAgent[] = [...this.agents.all()].filter((agent) => agent.ready);
    const busy = { overall: new Set<string>(), music: new Set<string>(), assistant: new Set<string>() };
    for (const session of this.sessions.all()) {
      busy.overall.add(session.agentId);
      busy[session.kind].add(session.agentId);
    }
    for (const kind of KINDS) this.metrics.sessionsActive.set({ kind }, this.sessions.countByKind(kind));
    this.metrics.poolUtilizationRatio.set({ kind: 'overall' }, ratio(busy.overall, ready));
    for (const kind of KINDS) {
      const able = ready.filter((agent) => agent.kinds === null || agent.kinds.has(kind));
      this.metrics.poolUtilizationRatio.set({ kind }, ratio(busy[kind], able));
    }
    const uptimes = ready.map((agent) => Math.max(0, (now - agent.connectedAt) / 1000));
    const avg = uptimes.length === 0 ? 0 : uptimes.reduce((sum, value) => sum + value, 0) / uptimes.length;
    this.metrics.agentUptimeSeconds.set({ stat: 'min' }, uptimes.length === 0 ? 0 : Math.min(...uptimes));
    this.metrics.agentUptimeSeconds.set({ stat: 'max' }, uptimes.length === 0 ? 0 : Math.max(...uptimes));
    this.metrics.agentUptimeSeconds.set({ stat: 'avg' }, avg);
  }
}

/** Busy agents among `ready` ÷ `ready` (0 when none is ready). */
function ratio(busy: ReadonlySet<string>, ready: readonly LiveAgent[]): number {
  if (ready.length === 0) return 0;
  return ready.filter((agent) => busy.has(agent.agentId)).length / ready.length;
}
