import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { LedgerEvent, LedgerWriter, SYSTEM_ACTOR } from '@app/ledger';
import { ReleaseReason, SessionRegistry } from '@app/sessions';
import { SessionFailoverService } from '../session-recovery';

/** Release reasons someone asked for: without a known actor the row says null (unknown), not `system`. */
const REQUESTED_RELEASES: ReadonlySet<ReleaseReason> = new Set([ReleaseReason.User, ReleaseReason.Admin]);

/**
 * Feeds the lease ledger from the controller's live state (issue 5): every `session.bound`
 * (an `allocate` row: actor = the interaction user who asked, or `system` for a failover;
 * latency = the allocator's decision time), every `session.released` (a `release` row with the
 * registry's reason; actor = who asked when known, `system` for automatic releases) and every
 * finished failover (a `failover` row: the agent that took over, the lost agent, the outcome,
 * latency = agent loss to music resumed). Sessions an agent reports after a controller restart
 * (`restore`) are not new allocations and are not recorded; neither are the `agent-offline`
 * releases of the controller's own shutdown (the agents keep playing and report them back).
 * Recording is {@link LedgerWriter.record}: synchronous, O(1), no database on the hot path.
 */
@Injectable()
export class SessionLedgerRecorder implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly unsubscribers: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly failover: SessionFailoverService,
    private readonly writer: LedgerWriter,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.sessions.events.on('session.bound', ({ session, origin, allocationSeconds }) => {
        if (origin === 'restore') return;
        this.writer.record({
          event: LedgerEvent.Allocate,
          guildId: session.guildId,
          channelId: session.voiceChannelId,
          kind: session.kind,
          agentId: session.agentId,
          sessionId: session.sessionId,
          reason: origin,
          actor: origin === 'failover' ? SYSTEM_ACTOR : session.ownerUserId,
          latencySeconds: allocationSeconds,
        });
      }),
      this.sessions.events.on('session.released', ({ session, reason, actor }) => {
        if (this.stopping && reason === ReleaseReason.AgentOffline) return;
        this.writer.record({
          event: LedgerEvent.Release,
          guildId: session.guildId,
          channelId: session.voiceChannelId,
          kind: session.kind,
          agentId: session.agentId,
          sessionId: session.sessionId,
          reason,
          actor: actor ?? (REQUESTED_RELEASES.has(reason) ? null : SYSTEM_ACTOR),
        });
      }),
      this.failover.failoverEvents.on('session.failover', ({ lost, result, diedAt, finishedAt }) => {
        this.writer.record({
          event: LedgerEvent.Failover,
          guildId: lost.guildId,
          channelId: lost.voiceChannelId,
          kind: lost.kind,
          agentId: result.agentId,
          previousAgentId: lost.agentId,
          sessionId: lost.sessionId,
          reason: result.outcome,
          actor: SYSTEM_ACTOR,
          latencySeconds: Math.max(0, finishedAt - diedAt) / 1000,
        });
      }),
    );
  }

  /** From here on the gateway closing its sockets releases sessions that are not really ending. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }
}
