import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AgentEvent, SessionKind, SessionReport } from '@app/protocol';
import {
  AgentRegistry,
  Allocator,
  ReleaseReason,
  type Session,
  SessionRegistry,
  SessionsErrorCode,
  SessionsException,
} from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';
import {
  DEFAULT_SESSION_RECONCILE_GRACE_SECONDS,
  SESSION_RECOVERY_OPTIONS,
  type SessionRecoveryOptions,
} from './session-recovery.constants';
import { SessionNotifier } from './session-notifier';

/** What {@link VoiceModerationService} did about one voice change or report. */
export type VoiceModerationOutcome = 'followed' | 'ended' | 'ignored';

/**
 * Keeps sessions true to where their agents really are (SPEC §5, issue 5: "agent moved or
 * disconnected by a moderator → session follows or ends, never stale"):
 * - **moved**: when an agent's voice channel changes away from its session's channel to another
 *   channel (`voice.moved`, not asked for by us), the session follows — it is re-keyed to the new
 *   channel with the same session id — and its text channel is told. When the new channel already
 *   has a session of that kind, this one ends (`agent-disconnected`) and the agent is asked to leave.
 * - **disconnected**: a `voice.disconnected` from the agent's Discord voice state (no Lavalink
 *   close `code`) that the agent did not ask for (`requested` not true) ends the session of that
 *   channel with reason `agent-disconnected` (ledger row and release metric through the registry's
 *   release path) — or `session-lost` when the runner dropped the player itself (`lost`: it could
 *   not be rebuilt after a Lavalink node restart, ACCEPTANCE B7; too many track errors); the agent
 *   is idle again and the text channel is told.
 * - **reconciliation**: a `session.report` that no longer lists a session the controller maps to
 *   that agent (its player was destroyed, e.g. it could not be rebuilt after a Lavalink node
 *   restart — ACCEPTANCE B7) ends that session with reason `session-lost` and a notice — but only
 *   once the session has been bound for the grace period and is still missing from the agent's
 *   latest report after the grace period, so allocations and failovers in flight (bound before
 *   the agent's player exists) and sessions ending through a command are never cut.
 */
@Injectable()
export class VoiceModerationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(VoiceModerationService.name);
  private readonly unsubscribers: (() => void)[] = [];
  /** sessionId → epoch ms it was bound or moved. */
  private readonly boundAt = new Map<string, number>();
  /** sessionId → epoch ms a report first missed it. */
  private readonly missingSince = new Map<string, number>();
  /** agentId → its latest report. */
  private readonly latest = new Map<string, readonly SessionReport[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly graceMs: number;

  constructor(
    @Inject(SESSION_RECOVERY_OPTIONS) options: SessionRecoveryOptions,
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
    private readonly events: AgentGatewayEvents,
    private readonly notifier: SessionNotifier,
  ) {
    this.graceMs = (options.sessionReconcileGraceSeconds ?? DEFAULT_SESSION_RECONCILE_GRACE_SECONDS) * 1000;
  }

  onModuleInit(): void {
    const now = Date.now();
    for (const session of this.sessions.all()) this.boundAt.set(session.sessionId, now);
    this.unsubscribers.push(
      this.sessions.events.on('session.bound', ({ session }) =>
        this.boundAt.set(session.sessionId, Date.now()),
      ),
      this.sessions.events.on('session.moved', ({ session }) =>
        this.boundAt.set(session.sessionId, Date.now()),
      ),
      this.sessions.events.on('session.released', ({ session }) => {
        this.boundAt.delete(session.sessionId);
        this.missingSince.delete(session.sessionId);
      }),
      this.agents.events.on('agent.down', ({ agent }) => this.latest.delete(agent.agentId)),
      this.agents.events.on('agent.voice-moved', ({ agent, guildId, voiceChannelId, fromVoiceChannelId }) => {
        if (voiceChannelId !== null) this.onMoved(agent.agentId, guildId, fromVoiceChannelId, voiceChannelId);
      }),
      this.events.on('agent.event', ({ agentId, event }) => {
        if (event.name === 'voice.disconnected') this.onDisconnected(agentId, event);
      }),
      this.events.on('session.report', ({ agentId, sessions }) => this.reconcile(agentId, sessions)),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * The agent is now in `to` (it left `from`): its session in `from` follows to `to`, or ends
   * when `to` already has a session of that kind.
   */
  onMoved(agentId: string, guildId: string, from: string | null, to: string): VoiceModerationOutcome {
    const session = this.sessions.agentSessionInGuild(agentId, guildId);
    if (!session || from === null || session.voiceChannelId !== from || to === from) return 'ignored';
    const agent = this.notifier.mention(agentId);
    try {
      this.sessions.move(session.sessionId, to);
    } catch (error) {
      if (!(error instanceof SessionsException) || error.code !== SessionsErrorCode.SessionKeyTaken)
        throw error;
      this.allocator.release(session.sessionId, ReleaseReason.AgentDisconnected);
      this.logger.log(
        `ended ${session.kind} session ${session.sessionId}: ${agentId} was moved to ${to}, which has its own ${session.kind} session`,
      );
      this.leave(agentId, guildId, session.kind);
      void this.notifier.toChannel(
        session.textChannelId,
        `${agent} was moved to <#${to}>, which already has a ${label(session.kind)} session, so the ${label(session.kind)} session in <#${from}> ended.`,
      );
      return 'ended';
    }
    this.logger.log(`${session.kind} session ${session.sessionId} followed ${agentId} from ${from} to ${to}`);
    void this.notifier.toChannel(
      session.textChannelId,
      `${agent} was moved from <#${from}> to <#${to}>; the ${label(session.kind)} session continues there.`,
    );
    return 'followed';
  }

  /** A `voice.disconnected` from the agent: ends the session of that channel unless the agent was asked to leave. */
  onDisconnected(
    agentId: string,
    event: Extract<AgentEvent, { name: 'voice.disconnected' }>,
  ): VoiceModerationOutcome {
    if (event.code !== undefined || event.requested === true || !event.voiceChannelId) return 'ignored';
    const session = this.sessions.agentSessionInGuild(agentId, event.guildId);
    if (!session || session.voiceChannelId !== event.voiceChannelId) return 'ignored';
    const lost = event.lost === true;
    const reason = lost ? ReleaseReason.SessionLost : ReleaseReason.AgentDisconnected;
    if (!this.allocator.release(session.sessionId, reason)) return 'ignored';
    this.logger.log(
      `ended ${session.kind} session ${session.sessionId}: ${agentId} ${lost ? 'dropped its player' : 'was disconnected from voice'}`,
    );
    const agent = this.notifier.mention(agentId);
    void this.notifier.toChannel(
      session.textChannelId,
      lost
        ? lostNotice(agent, session)
        : `${agent} was disconnected from <#${session.voiceChannelId}>, so the ${label(session.kind)} session ended. Run ${restart(session.kind)} to start again.`,
    );
    return 'ended';
  }

  /**
   * Reconciles the controller's sessions of `agentId` with the agent's report: a session missing
   * from it is ended once it was bound and missing for the grace period (checked again then).
   */
  reconcile(agentId: string, reports: readonly SessionReport[]): void {
    this.latest.set(agentId, reports);
    const now = Date.now();
    for (const session of this.sessions.byAgentId(agentId)) {
      if (reported(reports, session)) {
        this.missingSince.delete(session.sessionId);
        continue;
      }
      if (this.missingSince.has(session.sessionId)) continue;
      this.missingSince.set(session.sessionId, now);
      this.schedule(session);
    }
  }

  /** Checks `session` again once it has been bound and missing for the grace period. */
  private schedule(session: Session): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.confirmLost(session);
      },
      this.dueAt(session) - Date.now() + 5,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Epoch ms from which a missing session counts as lost: bound and missing for the grace period. */
  private dueAt(session: Session): number {
    const since = this.missingSince.get(session.sessionId) ?? Date.now();
    return Math.max(since, this.boundAt.get(session.sessionId) ?? 0) + this.graceMs;
  }

  private confirmLost(session: Session): void {
    if (this.sessions.getById(session.sessionId) !== session) return;
    if (!this.missingSince.has(session.sessionId)) return;
    const reports = this.latest.get(session.agentId);
    if (!reports || reported(reports, session)) {
      this.missingSince.delete(session.sessionId);
      return;
    }
    // Moved or bound again meanwhile (or the timer fired early): wait the rest.
    if (Date.now() < this.dueAt(session)) {
      this.schedule(session);
      return;
    }
    if (!this.allocator.release(session.sessionId, ReleaseReason.SessionLost)) return;
    this.logger.warn(
      `ended ${session.kind} session ${session.sessionId}: ${session.agentId} no longer reports it (player lost)`,
    );
    this.leave(session.agentId, session.guildId, session.kind);
    void this.notifier.toChannel(
      session.textChannelId,
      lostNotice(this.notifier.mention(session.agentId), session),
    );
  }

  /** Asks the agent to leave the guild's voice, unless it already holds another session there. */
  private leave(agentId: string, guildId: string, kind: SessionKind): void {
    if (this.sessions.isAgentBusyInGuild(agentId, guildId)) return;
    const op = kind === 'assistant' ? 'assistant.leave' : 'voice.leave';
    this.rpc.call(agentId, op, { guildId }).then(
      () => undefined,
      (error: unknown) =>
        this.logger.debug(
          `${op} for ${agentId} after its session ended failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }
}

function reported(reports: readonly SessionReport[], session: Session): boolean {
  return reports.some(
    (report) =>
      report.guildId === session.guildId &&
      report.kind === session.kind &&
      report.voiceChannelId === session.voiceChannelId,
  );
}

function restart(kind: SessionKind): string {
  return kind === 'music' ? '/music play' : '/assistant join';
}

function lostNotice(agent: string, session: Session): string {
  return `⚠️ ${agent} lost its player in <#${session.voiceChannelId}>, so the ${label(session.kind)} session ended. Run ${restart(session.kind)} to start again.`;
}

function label(kind: SessionKind): string {
  return kind === 'music' ? 'music' : 'assistant';
}
