import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AgentRegistry, type LiveAgent, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentRpcClient } from '../agent-gateway';
import {
  DEFAULT_AGENT_NOT_READY_FAILOVER_MS,
  SESSION_RECOVERY_OPTIONS,
  type SessionRecoveryOptions,
} from './session-recovery.constants';

/**
 * Failover when an agent's Discord identity dies while its runner lives (SPEC §5, issue 5): the
 * runner stays connected and only reports `ready: false` (gateway closed with 4004, token
 * invalidated, a resume that never comes back). An agent that stays not ready for the grace
 * period (`AGENT_NOT_READY_FAILOVER_MS`) while holding sessions counts as dead for those sessions:
 * they are released as `agent-offline`, so {@link SessionFailoverService} hands music sessions to
 * another idle agent of the guild exactly as after an `agent.gone` (ledger row, text channel told;
 * assistant sessions end with a notice), and the agent is told to drop its player so it never
 * plays twice when it comes back. An agent ready again within the grace period keeps its sessions
 * (a normal gateway resume or re-identify takes a few seconds). The agent stays registered; it is
 * simply not allocated while not ready. Timers are unref'd and cleared on shutdown.
 */
@Injectable()
export class IdentityFailoverWatch implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdentityFailoverWatch.name);
  private readonly unsubscribers: (() => void)[] = [];
  /** agentId → grace timer started when it was seen not ready while holding a session. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly graceMs: number;

  constructor(
    @Inject(SESSION_RECOVERY_OPTIONS) options: SessionRecoveryOptions,
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly rpc: AgentRpcClient,
  ) {
    this.graceMs = options.agentNotReadyFailoverMs ?? DEFAULT_AGENT_NOT_READY_FAILOVER_MS;
  }

  onModuleInit(): void {
    for (const agent of this.agents.all()) this.check(agent);
    this.unsubscribers.push(
      this.agents.events.on('agent.up', ({ agent }) => this.check(agent)),
      this.agents.events.on('agent.updated', ({ agent }) => this.check(agent)),
      this.agents.events.on('agent.down', ({ agent }) => this.clear(agent.agentId)),
      this.sessions.events.on('session.bound', ({ session }) => {
        const agent = this.agents.get(session.agentId);
        if (agent) this.check(agent);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Agents whose grace period is running (not ready while holding a session). */
  get watching(): number {
    return this.timers.size;
  }

  /** Starts the grace period of a not-ready agent holding a session; clears it once ready again. */
  private check(agent: LiveAgent): void {
    if (agent.ready) {
      this.clear(agent.agentId);
      return;
    }
    if (this.timers.has(agent.agentId) || this.sessions.byAgentId(agent.agentId).length === 0) return;
    const timer = setTimeout(() => {
      this.timers.delete(agent.agentId);
      this.expire(agent.agentId, agent.connectionId);
    }, this.graceMs);
    timer.unref();
    this.timers.set(agent.agentId, timer);
  }

  private clear(agentId: string): void {
    const timer = this.timers.get(agentId);
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(agentId);
  }

  /** The grace period ended: fails the sessions over if the same registration is still not ready. */
  private expire(agentId: string, connectionId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.ready || agent.connectionId !== connectionId) return;
    const sessions = this.sessions.byAgentId(agentId);
    if (sessions.length === 0) return;
    this.logger.warn(
      `agent ${agentId} has not been ready for ${this.graceMs} ms while holding ${sessions.length} session(s); failing them over`,
    );
    for (const session of sessions) {
      // `agent-offline` starts the failover (SessionFailoverService), as for a dead agent.
      if (this.sessions.release(session.sessionId, ReleaseReason.AgentOffline)) this.drop(session);
    }
  }

  /** Tells the agent to drop its player (or assistant session) in the session's guild. */
  private drop(session: Session): void {
    const op = session.kind === 'assistant' ? 'assistant.leave' : 'voice.leave';
    this.rpc.call(session.agentId, op, { guildId: session.guildId }).then(
      () => undefined,
      (error: unknown) =>
        this.logger.warn(
          `${op} for the not-ready agent ${session.agentId} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }
}
