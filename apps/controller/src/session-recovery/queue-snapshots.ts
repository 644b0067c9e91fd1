import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { QueueSnapshot, SessionReport } from '@app/protocol';
import { ReleaseReason, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents } from '../agent-gateway';

/** The latest report of one session and when the controller received it. */
export interface ReceivedReport {
  report: SessionReport;
  /** Epoch ms at which the controller received the report. */
  receivedAt: number;
}

/**
 * The queue as it most likely is at `atMs`: the reported position of the current track plus the
 * wall time elapsed since the report (the runner reports on every change and every 30 s, so
 * the track has kept playing in between), never past the track's duration (0 = stream, no cap).
 * A paused player (`queue.paused`, reported at once on pause and resume) stays where it was; a
 * report without `paused` (older runner) counts as playing.
 * @param received a report of a music session, with its receive time (epoch ms)
 * @param atMs epoch ms to estimate for (e.g. when the agent died)
 * @returns the snapshot to hand to `session.resume`, or null when the report carries no queue
 */
export function estimateQueue(received: ReceivedReport, atMs: number): QueueSnapshot | null {
  const queue = received.report.queue;
  if (!queue) return null;
  if (!queue.current || queue.paused === true) return queue;
  const elapsed = Math.max(0, atMs - received.receivedAt);
  const duration = queue.current.track.durationMs;
  let positionMs = queue.current.positionMs + elapsed;
  if (duration > 0) positionMs = Math.min(positionMs, duration);
  return { ...queue, current: { ...queue.current, positionMs: Math.round(positionMs) } };
}

/**
 * The last session report of every agent, per guild: the queue a failover resumes (SPEC §5,
 * ACCEPTANCE I3) and whether a session is playing (idle sweep). Fed by `session.report` frames
 * and the sessions carried in `agent.announce`; a report replaces the agent's earlier ones.
 * Entries of an agent that went offline are kept until a failover takes them.
 */
@Injectable()
export class QueueSnapshots implements OnModuleInit, OnModuleDestroy {
  /** agentId → guildId → latest report. */
  private readonly byAgent = new Map<string, Map<string, ReceivedReport>>();
  /** `agentId/guildId` of players whose queue ended after their last track start. */
  private readonly ended = new Set<string>();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly sessions: SessionRegistry,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('session.report', ({ agentId, sessions }) => this.record(agentId, sessions)),
      this.events.on('agent.event', ({ agentId, event }) => {
        if (event.name === 'track.start') this.ended.delete(`${agentId}/${event.guildId}`);
        else if (event.name === 'queue.end') this.ended.add(`${agentId}/${event.guildId}`);
      }),
      this.events.on('agents.announced', ({ agents }) => {
        for (const agent of agents) if (agent.sessions) this.record(agent.agentId, agent.sessions);
      }),
      this.sessions.events.on('session.released', ({ session, reason }) => {
        // Kept for the failover of an agent that went offline; otherwise the queue is over.
        if (reason !== ReleaseReason.AgentOffline) this.forget(session.agentId, session.guildId);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }

  /** Replaces the agent's reports with `reports` (a report lists every session the agent holds). */
  record(agentId: string, reports: readonly SessionReport[], receivedAt: number = Date.now()): void {
    const guilds = new Map<string, ReceivedReport>();
    for (const report of reports) {
      if (report.kind === 'music') guilds.set(report.guildId, { report, receivedAt });
    }
    if (guilds.size === 0) this.byAgent.delete(agentId);
    else this.byAgent.set(agentId, guilds);
  }

  /** The agent's latest report for its music session in the guild, if any. */
  latest(agentId: string, guildId: string): ReceivedReport | undefined {
    return this.byAgent.get(agentId)?.get(guildId);
  }

  /**
   * Whether the agent's player in the guild is playing: its latest report has a current track,
   * is not paused, and no `queue.end` came after the last `track.start`. A paused player counts
   * as idle for the idle-release sweep.
   */
  isPlaying(agentId: string, guildId: string): boolean {
    const queue = this.latest(agentId, guildId)?.report.queue;
    return queue?.current != null && queue.paused !== true && !this.queueEnded(agentId, guildId);
  }

  /** Whether a `queue.end` came from the agent's player in the guild after its last `track.start`. */
  queueEnded(agentId: string, guildId: string): boolean {
    return this.ended.has(`${agentId}/${guildId}`);
  }

  /**
   * Puts a report taken with {@link latest} back for the agent's guild (a failover of a session that
   * was released for another reason than `agent-offline`, whose release forgot it).
   */
  put(agentId: string, guildId: string, received: ReceivedReport): void {
    let guilds = this.byAgent.get(agentId);
    if (!guilds) this.byAgent.set(agentId, (guilds = new Map<string, ReceivedReport>()));
    guilds.set(guildId, received);
  }

  /** Returns and forgets the agent's latest report in the guild (a failover takes it once). */
  take(agentId: string, guildId: string): ReceivedReport | undefined {
    const report = this.latest(agentId, guildId);
    this.forget(agentId, guildId);
    return report;
  }

  private forget(agentId: string, guildId: string): void {
    this.ended.delete(`${agentId}/${guildId}`);
    const guilds = this.byAgent.get(agentId);
    if (!guilds?.delete(guildId)) return;
    if (guilds.size === 0) this.byAgent.delete(agentId);
  }
}
