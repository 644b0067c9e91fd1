import { Injectable, Logger } from '@nestjs/common';
import type { AgentEvent, AnnouncedAgent, SessionReport } from '@app/protocol';

/** Why agents left the controller (payload of `agents.lost`). */
export type AgentsLostReason = 'disconnected' | 'stale' | 'gone' | 'shutdown';

/** Events the gateway publishes for the sessions work (failover, reconciliation, playback). */
export interface AgentGatewayEventMap {
  /**
   * Agents whose registration ended because their connection closed, went stale, the runner said
   * `agent.gone`, or the controller shut down. Their sessions must be failed over or released
   * (SPEC §4 liveness, ACCEPTANCE P7). Agents already taken over by a newer connection are never
   * listed.
   */
  'agents.lost': { agentIds: readonly string[]; reason: AgentsLostReason; runnerId: string | null };
  /** Agents accepted from an announce, with the sessions they report holding (SPEC §5 restart). */
  'agents.announced': { runnerId: string; connectionId: string; agents: readonly AnnouncedAgent[] };
  /** An owned agent reported its sessions (`session.report`). */
  'session.report': { agentId: string; runnerId: string; sessions: readonly SessionReport[] };
  /** An owned agent reported an event (track start/end, voice, login failure, …). */
  'agent.event': { agentId: string; runnerId: string; at: number; event: AgentEvent };
  /** A runner announced it is draining (stop giving its agents new work). */
  'runner.drain': { runnerId: string; connectionId: string; reason: string | null };
}

type Listener<K extends keyof AgentGatewayEventMap> = (payload: AgentGatewayEventMap[K]) => void;

/**
 * Synchronous typed publish/subscribe for {@link AgentGatewayEventMap}. Listeners run in
 * subscription order; a throwing listener is logged and never breaks the gateway.
 */
@Injectable()
export class AgentGatewayEvents {
  private readonly logger = new Logger(AgentGatewayEvents.name);
  private readonly listeners = new Map<keyof AgentGatewayEventMap, Set<(payload: never) => void>>();

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof AgentGatewayEventMap>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Calls every listener of `event`. */
  emit<K extends keyof AgentGatewayEventMap>(event: K, payload: AgentGatewayEventMap[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.logger.error(
          `listener for ${event} failed: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
  }
}
