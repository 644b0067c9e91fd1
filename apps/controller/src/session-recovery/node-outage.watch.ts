import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AgentRegistry, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';
import { QueueSnapshots } from './queue-snapshots';
import { SessionFailoverService } from './session-failover.service';
import { SessionNotifier } from './session-notifier';
import {
  DEFAULT_LAVALINK_OUTAGE_SECONDS,
  SESSION_RECOVERY_OPTIONS,
  type SessionRecoveryOptions,
} from './session-recovery.constants';

type NodeState = 'connected' | 'disconnected' | 'reconnecting' | 'error';

/**
 * Never silent and busy (SPEC §5 "Lavalink resilience", ACCEPTANCE B7/B8, issue 5): the controller
 * keeps each agent's last `lavalink.node` state per node. When an agent holding a music session has
 * no connected node for longer than the outage limit (`LAVALINK_OUTAGE_SECONDS`, set it to the
 * runners' `LAVALINK_RESUME_TIMEOUT_SECONDS`: past it the node's session and its players are gone),
 * its player is silent and cannot come back. Then each of its music sessions is released
 * (`session-lost`), the agent is told to drop the player (it is idle again), and — when another idle,
 * ready agent of the guild reports a connected node (agents of other runners may use other nodes) —
 * the session fails over to it through {@link SessionFailoverService} from the position at the
 * start of the outage (ledger row, channel told); otherwise the text channel is told the session
 * ended. A node connected again within the limit changes nothing. Timers are unref'd and cleared
 * on shutdown.
 */
@Injectable()
export class NodeOutageWatch implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeOutageWatch.name);
  private readonly unsubscribers: (() => void)[] = [];
  /** agentId → nodeId → last reported state. */
  private readonly nodes = new Map<string, Map<string, NodeState>>();
  /** agentId → outage timer and when the outage began (epoch ms). */
  private readonly outages = new Map<string, { timer: NodeJS.Timeout; since: number }>();
  private readonly outageMs: number;

  constructor(
    @Inject(SESSION_RECOVERY_OPTIONS) options: SessionRecoveryOptions,
    private readonly events: AgentGatewayEvents,
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly rpc: AgentRpcClient,
    private readonly failover: SessionFailoverService,
    private readonly notifier: SessionNotifier,
    private readonly snapshots: QueueSnapshots,
  ) {
    this.outageMs = (options.lavalinkOutageSeconds ?? DEFAULT_LAVALINK_OUTAGE_SECONDS) * 1000;
  }

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('agent.event', ({ agentId, event }) => {
        if (event.name !== 'lavalink.node') return;
        let nodes = this.nodes.get(agentId);
        if (!nodes) this.nodes.set(agentId, (nodes = new Map<string, NodeState>()));
        nodes.set(event.nodeId, event.state);
        this.check(agentId);
      }),
      this.sessions.events.on('session.bound', ({ session }) => this.check(session.agentId)),
      this.agents.events.on('agent.down', ({ agent }) => {
        this.nodes.delete(agent.agentId);
        this.clear(agent.agentId);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const { timer } of this.outages.values()) clearTimeout(timer);
    this.outages.clear();
  }

  /**
   * Whether the agent reports a connected Lavalink node: true / false, or null before any report.
   */
  nodeUsable(agentId: string): boolean | null {
    const nodes = this.nodes.get(agentId);
    if (!nodes || nodes.size === 0) return null;
    for (const state of nodes.values()) if (state === 'connected') return true;
    return false;
  }

  /** Starts the outage timer of an agent with no connected node holding a music session; clears it otherwise. */
  private check(agentId: string): void {
    if (this.nodeUsable(agentId) !== false) {
      this.clear(agentId);
      return;
    }
    if (this.outages.has(agentId) || !this.holdsMusic(agentId)) return;
    const since = Date.now();
    const timer = setTimeout(() => {
      this.outages.delete(agentId);
      this.expire(agentId, since);
    }, this.outageMs);
    timer.unref();
    this.outages.set(agentId, { timer, since });
  }

  private clear(agentId: string): void {
    const outage = this.outages.get(agentId);
    if (!outage) return;
    clearTimeout(outage.timer);
    this.outages.delete(agentId);
  }

  private holdsMusic(agentId: string): boolean {
    return this.sessions.byAgentId(agentId).some((session) => session.kind === 'music');
  }

  /** The outage outlasted the limit: fail the agent's music sessions over, or end them. */
  private expire(agentId: string, since: number): void {
    if (this.nodeUsable(agentId) !== false) return;
    for (const session of this.sessions.byAgentId(agentId)) {
      if (session.kind !== 'music') continue;
      const received = this.snapshots.queueEnded(agentId, session.guildId)
        ? undefined
        : this.snapshots.latest(agentId, session.guildId);
      if (!this.sessions.release(session.sessionId, ReleaseReason.SessionLost)) continue;
      this.drop(session);
      if (received && this.hasTakeoverAgent(session)) {
        // The release forgot the queue; the failover resumes it from the start of the outage.
        this.snapshots.put(agentId, session.guildId, received);
        this.logger.warn(
          `agent ${agentId} has had no Lavalink node for ${this.outageMs} ms; failing music session ${session.sessionId} over`,
        );
        void this.failover.failover(session, since);
        continue;
      }
      this.logger.warn(
        `agent ${agentId} has had no Lavalink node for ${this.outageMs} ms and no agent can take over; ended music session ${session.sessionId}`,
      );
      void this.notifier.toChannel(
        session.textChannelId,
        `⚠️ ${this.notifier.mention(agentId)} lost its audio server in <#${session.voiceChannelId}> and it did not come back, so the music session ended. Run /music play to start again.`,
      );
    }
  }

  /** Whether another idle, ready music agent of the guild reports a connected Lavalink node. */
  private hasTakeoverAgent(lost: Session): boolean {
    for (const agentId of this.agents.agentIdsInGuild(lost.guildId)) {
      if (agentId === lost.agentId) continue;
      const agent = this.agents.get(agentId);
      if (!agent?.ready || (agent.kinds && !agent.kinds.has('music'))) continue;
      if (this.sessions.isAgentBusyInGuild(agentId, lost.guildId)) continue;
      if (this.nodeUsable(agentId) === true) return true;
    }
    return false;
  }

  /** Tells the agent to drop its silent player (it is idle again). */
  private drop(session: Session): void {
    this.rpc.call(session.agentId, 'voice.leave', { guildId: session.guildId }).then(
      () => undefined,
      (error: unknown) =>
        this.logger.warn(
          `voice.leave for ${session.agentId} after its Lavalink outage failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }
}
