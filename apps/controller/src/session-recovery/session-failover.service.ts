import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import type { QueueSnapshot } from '@app/protocol';
import { Allocator, ReleaseReason, type Session, SessionRegistry, TypedEmitter } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';
import { formatDuration } from '../music';
import { GuildPoolRouting } from '../routing';
import { estimateQueue, QueueSnapshots } from './queue-snapshots';
import { FAILOVER_MAX_ATTEMPTS } from './session-recovery.constants';
import { SessionNotifier } from './session-notifier';

/** How a failover ended (`chopsticks_session_failovers_total{outcome}`). */
export type FailoverOutcome = 'ok' | 'no-free-agents' | 'failed';

/** What {@link SessionFailoverService.failover} did for one lost session. */
export interface FailoverResult {
  outcome: FailoverOutcome;
  /** The agent that took over (outcome `ok`). */
  agentId: string | null;
  /** The queue handed to it (outcome `ok`). */
  queue: QueueSnapshot | null;
}

/** Events of {@link SessionFailoverService} (the lease ledger records them). */
export interface SessionFailoverEvents extends Record<string, unknown> {
  /** A failover of `lost` finished; `diedAt`/`finishedAt` are epoch ms. */
  'session.failover': { lost: Session; result: FailoverResult; diedAt: number; finishedAt: number };
}

/**
 * Failover (SPEC §5, ACCEPTANCE I3, A6): when an agent dies (socket closed, stale, `agent.gone`)
 * the registry releases its sessions as `agent-offline`; for each music session this service
 * asks the {@link Allocator} for another idle, ready agent of the same guild (so nothing is
 * double-booked) — of the guild's selected pool first (else the lost agent's pool), only from pools
 * the guild may use ({@link GuildPoolRouting}) — sends it `session.resume` with the dead agent's last reported queue (position
 * estimated to the moment of death) and tells the text channel. With no free agent, or when the
 * resume fails on every agent tried, the session stays released and the text channel is told.
 * Assistant sessions end with a notice (no failover). Until the new agent is bound a lookup
 * answers `agent-offline`; afterwards it returns the new agent (A6). Nothing happens while the
 * controller itself shuts down.
 *
 * One failover per session key at a time: when the agent a failover just allocated dies while
 * `session.resume` is in flight (or before its answer is handled), its release starts no failover
 * of its own — the running one sees the resume fail and tries the next agent — so the channel gets
 * one truthful notice and the ledger one failover row. A takeover agent that dies after taking over
 * is failed over again, after the running failover of that key has finished.
 */
@Injectable()
export class SessionFailoverService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionFailoverService.name);
  /** Emits `session.failover` after each {@link failover}. */
  readonly failoverEvents = new TypedEmitter<SessionFailoverEvents>(SessionFailoverService.name);
  private readonly unsubscribers: (() => void)[] = [];
  private readonly pending: { session: Session; diedAt: number }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Sessions a failover allocated whose `session.resume` is not settled yet (by session id). */
  private readonly resuming = new Set<string>();
  /** Of those, the ones whose agent was lost meanwhile (the failover tries the next agent). */
  private readonly lostWhileResuming = new Set<string>();
  /** The failover running per session key (`guildId:voiceChannelId:kind`); later ones wait for it. */
  private readonly running = new Map<string, Promise<FailoverResult>>();
  private scheduled: NodeJS.Immediate | null = null;
  private stopping = false;

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly sessions: SessionRegistry,
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
    private readonly snapshots: QueueSnapshots,
    private readonly notifier: SessionNotifier,
    private readonly metrics: ChopsticksMetrics,
    private readonly routing: GuildPoolRouting,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.sessions.events.on('session.released', ({ session, reason }) => {
        if (reason !== ReleaseReason.AgentOffline || this.stopping) return;
        if (this.resuming.has(session.sessionId)) {
          // The failover that allocated this session retries with another agent.
          this.lostWhileResuming.add(session.sessionId);
          this.logger.log(
            `takeover agent ${session.agentId} was lost during session.resume in ${session.guildId}/${session.voiceChannelId}; its failover tries the next agent`,
          );
          return;
        }
        this.pending.push({ session, diedAt: Date.now() });
        this.scheduled ??= setImmediate(() => this.drainPending());
      }),
      // Emitted in the same tick as the releases, before the scheduled drain runs.
      this.events.on('agents.lost', ({ reason }) => {
        if (reason === 'shutdown') this.stopping = true;
      }),
    );
  }

  /** Stops taking new failovers and waits for the running ones. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  onModuleDestroy(): void {
    this.stopping = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }

  /**
   * Hands a lost music session to another agent of its guild. Waits for a failover of the same
   * session key that is still running (one at a time per key).
   * @param lost the released session of the dead agent
   * @param diedAt epoch ms the agent was lost (the queue position is estimated for this moment)
   * @returns the outcome; never throws (failures are logged, counted and told to the channel)
   */
  failover(lost: Session, diedAt: number): Promise<FailoverResult> {
    const key = `${lost.guildId}:${lost.voiceChannelId}:${lost.kind}`;
    const previous = this.running.get(key);
    const run = (previous ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const result = await this.takeOver(lost, diedAt);
        this.failoverEvents.emit('session.failover', { lost, result, diedAt, finishedAt: Date.now() });
        return result;
      })
      .finally(() => {
        if (this.running.get(key) === run) this.running.delete(key);
      });
    this.running.set(key, run);
    return run;
  }

  private async takeOver(lost: Session, diedAt: number): Promise<FailoverResult> {
    const ended = this.snapshots.queueEnded(lost.agentId, lost.guildId);
    const received = this.snapshots.take(lost.agentId, lost.guildId);
    let queue =
      received && received.report.voiceChannelId === lost.voiceChannelId
        ? estimateQueue(received, diedAt)
        : null;
    // The last track finished after the report: there is nothing left to resume.
    if (queue && ended) queue = { ...queue, current: null };
    const dead = this.notifier.mention(lost.agentId);
    const stopped = `${dead} went offline, so the music in <#${lost.voiceChannelId}> stopped. Run /music play to start again.`;
    if (!queue || (!queue.current && queue.upcoming.length === 0)) {
      this.logger.log(`music session ${lost.sessionId} of ${lost.agentId} lost with no queue to resume`);
      await this.notifier.toChannel(lost.textChannelId, stopped);
      return this.count({ outcome: 'failed', agentId: null, queue: null });
    }

    const routing = await this.routingFor(lost);
    for (let attempt = 1; attempt <= FAILOVER_MAX_ATTEMPTS; attempt++) {
      if (this.stopping) return { outcome: 'failed', agentId: null, queue };
      const allocation = this.allocator.allocate({
        guildId: lost.guildId,
        voiceChannelId: lost.voiceChannelId,
        kind: 'music',
        userId: lost.ownerUserId ?? '',
        textChannelId: lost.textChannelId,
        origin: 'failover',
        ...routing,
      });
      if (!allocation.ok) {
        this.logger.log(
          `no agent to take over music session ${lost.sessionId} of ${lost.agentId}: ${allocation.reason}`,
        );
        await this.notifier.toChannel(lost.textChannelId, stopped);
        return this.count({ outcome: 'no-free-agents', agentId: null, queue });
      }
      if (allocation.reused) {
        // Someone already started a new session for the channel (e.g. /music play): leave it be.
        this.logger.log(
          `music session key of ${lost.sessionId} already taken by ${allocation.agent.agentId}`,
        );
        return { outcome: 'failed', agentId: null, queue };
      }
      const session = allocation.session;
      this.resuming.add(session.sessionId);
      try {
        const result = await this.rpc
          .call(session.agentId, 'session.resume', {
            guildId: lost.guildId,
            voiceChannelId: lost.voiceChannelId,
            ...(lost.textChannelId ? { textChannelId: lost.textChannelId } : {}),
            queue,
          })
          .finally(() => this.resuming.delete(session.sessionId));
        if (this.lostWhileResuming.delete(session.sessionId)) {
          throw new Error(`agent ${session.agentId} was lost before its session.resume answer was handled`);
        }
        this.sessions.touch(session.sessionId);
        const resumed = !result.resumed
          ? ' and took over the queue'
          : queue.paused === true
            ? ` and kept **${result.resumed.track.title}** paused at ${formatDuration(result.resumed.positionMs)} — continue with /music resume`
            : ` and resumed **${result.resumed.track.title}** at ${formatDuration(result.resumed.positionMs)}`;
        this.logger.log(
          `music session in ${lost.guildId}/${lost.voiceChannelId} failed over from ${lost.agentId} to ${session.agentId}`,
        );
        await this.notifier.toChannel(
          lost.textChannelId,
          `🔁 ${dead} dropped out; ${this.notifier.mention(session.agentId)} took over${resumed}.`,
        );
        return this.count({ outcome: 'ok', agentId: session.agentId, queue });
      } catch (error) {
        this.logger.warn(
          `session.resume on ${session.agentId} failed (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}`,
        );
        this.lostWhileResuming.delete(session.sessionId);
        this.allocator.release(session.sessionId, ReleaseReason.Failover);
      }
    }
    await this.notifier.toChannel(lost.textChannelId, stopped);
    return this.count({ outcome: 'failed', agentId: null, queue });
  }

  /**
   * Routing for the failover of `lost`: the guild's (its selected pool, else the lost agent's pool,
   * preferred). When Postgres cannot tell, only the lost session's own pool — it was usable when
   * the session was allocated — so a failover never widens access (unknown pool: no restriction).
   */
  private async routingFor(
    lost: Session,
  ): Promise<{ preferredPoolId: string | null; accessiblePoolIds: ReadonlySet<string> | null }> {
    try {
      const routing = await this.routing.forGuild(lost.guildId);
      return {
        preferredPoolId: routing.preferredPoolId ?? lost.poolId,
        accessiblePoolIds: routing.accessiblePoolIds,
      };
    } catch (error) {
      this.logger.warn(
        `pool routing of guild ${lost.guildId} unavailable for the failover of ${lost.sessionId}; only pool ${lost.poolId ?? 'unknown'} is used: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { preferredPoolId: lost.poolId, accessiblePoolIds: lost.poolId ? new Set([lost.poolId]) : null };
    }
  }

  private drainPending(): void {
    this.scheduled = null;
    for (const { session, diedAt } of this.pending.splice(0)) {
      if (this.stopping) return;
      const work =
        session.kind === 'music'
          ? this.failover(session, diedAt)
          : this.notifier.toChannel(
              session.textChannelId,
              `${this.notifier.mention(session.agentId)} went offline, so the assistant session in <#${session.voiceChannelId}> ended.`,
            );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
  }

  private count(result: FailoverResult): FailoverResult {
    this.metrics.sessionFailovers.inc({ outcome: result.outcome });
    return result;
  }
}
