import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import { ProtocolErrorCode, type RpcResult } from '@app/protocol';
import { Allocator, type LiveAgent, ReleaseReason, type Session } from '@app/sessions';
import { AgentRpcClient, AgentRpcException } from '../agent-gateway';
import { GuildPoolRouting } from '../routing';
import { MUSIC_PLAY_TIMEOUT_MS, MUSIC_QUERY_MAX_LENGTH } from './music.constants';
import { MusicAllocationException, MusicErrorCode, MusicException } from './music.exception';

/** Input of {@link MusicPlayUseCase.execute}. */
export interface MusicPlayCommand {
  guildId: string;
  /** The invoking user's voice channel. */
  voiceChannelId: string;
  /** Where the command was run (notices go there). */
  textChannelId: string | null;
  userId: string;
  query: string;
}

/** Outcome of {@link MusicPlayUseCase.execute}. */
export interface MusicPlayOutcome {
  agent: LiveAgent;
  session: Session;
  /** True when the channel already had a session (the track was queued on its agent). */
  reused: boolean;
  result: RpcResult<'music.play'>;
}

/**
 * `/music play` across contexts: validates the query (≤ 200 chars, before any allocation),
 * reads the guild's pool routing ({@link GuildPoolRouting}: selected pool first, only pools the
 * guild may use), allocates the music session for (guild, voice channel) — the existing one or a
 * new agent (`Allocator`, SPEC §5) — and calls `music.play` on that agent, which joins the voice channel and
 * plays or enqueues. A newly bound session is released again when the agent fails, so the agent
 * is idle at once (A7). Records `chopsticks_session_allocations_total{kind,outcome}` and
 * `chopsticks_session_allocation_duration_seconds`.
 */
@Injectable()
export class MusicPlayUseCase {
  private readonly logger = new Logger(MusicPlayUseCase.name);

  constructor(
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
    private readonly metrics: ChopsticksMetrics,
    /** Pool routing; the controller app always provides it (absent = every pool, no preference). */
    @Optional() @Inject(GuildPoolRouting) private readonly routing: GuildPoolRouting | null = null,
  ) {}

  /**
   * @throws MusicException `invalid-query` when the query is blank or too long (nothing allocated)
   * @throws MusicAllocationException when no agent can be bound (A2, A3, `pool-not-accessible`)
   * @throws Error from Postgres when the guild's pool routing cannot be loaded (nothing allocated)
   * @throws AgentRpcException when the agent fails (`no-results`, `agent-timeout`, …)
   */
  async execute(command: MusicPlayCommand): Promise<MusicPlayOutcome> {
    const query = command.query.trim();
    if (query.length === 0 || query.length > MUSIC_QUERY_MAX_LENGTH) {
      throw new MusicException(MusicErrorCode.InvalidQuery, `query length ${query.length}`);
    }
    const routing = this.routing ? await this.routing.forGuild(command.guildId) : null;
    const started = process.hrtime.bigint();
    const allocation = this.allocator.allocate({
      guildId: command.guildId,
      voiceChannelId: command.voiceChannelId,
      kind: 'music',
      userId: command.userId,
      textChannelId: command.textChannelId,
      preferredPoolId: routing?.preferredPoolId,
      accessiblePoolIds: routing?.accessiblePoolIds,
    });
    this.metrics.sessionAllocationDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (!allocation.ok) {
      this.metrics.sessionAllocations.inc({ kind: 'music', outcome: allocation.reason });
      throw new MusicAllocationException(allocation.reason, allocation.busy);
    }
    this.metrics.sessionAllocations.inc({ kind: 'music', outcome: allocation.reused ? 'reused' : 'ok' });
    const { agent, session, reused } = allocation;
    try {
      const result = await this.rpc.call(
        agent.agentId,
        'music.play',
        {
          guildId: command.guildId,
          voiceChannelId: command.voiceChannelId,
          ...(command.textChannelId ? { textChannelId: command.textChannelId } : {}),
          query,
          requestedBy: command.userId,
        },
        { timeoutMs: MUSIC_PLAY_TIMEOUT_MS },
      );
      return { agent, session, reused, result };
    } catch (error) {
      if (!reused || (error instanceof AgentRpcException && error.code === ProtocolErrorCode.NotInVoice)) {
        this.allocator.release(session.sessionId, ReleaseReason.Ended);
        this.logger.log(
          `released music session ${session.sessionId} of ${agent.agentId}: play failed (${error instanceof AgentRpcException ? error.code : 'error'})`,
        );
      }
      throw error;
    }
  }
}
