import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import type { RpcResult } from '@app/protocol';
import { Allocator, type LiveAgent, ReleaseReason, type Session } from '@app/sessions';
import { AgentRpcClient } from '../agent-gateway';
import { GuildPoolRouting } from '../routing';
import { ASSISTANT_JOIN_TIMEOUT_MS } from './assistant.constants';
import { AssistantAllocationException } from './assistant.exception';

/** Input of {@link AssistantJoinUseCase.execute}. */
export interface AssistantJoinCommand {
  guildId: string;
  /** The invoking user's voice channel. */
  voiceChannelId: string;
  /** Where the command was run (notices go there). */
  textChannelId: string | null;
  userId: string;
}

/** Outcome of {@link AssistantJoinUseCase.execute}. */
export interface AssistantJoinOutcome {
  agent: LiveAgent;
  session: Session;
  /** True when the channel already had an assistant session (its agent was asked to join again). */
  reused: boolean;
  result: RpcResult<'assistant.join'>;
}

/**
 * `/assistant join` across contexts: allocates the assistant session (kind `assistant`, a separate
 * session kind from music, SPEC §5) for (guild, voice channel) — the existing one or the
 * healthiest idle agent (`Allocator`) of the guild's selected pool first, among the pools the guild
 * may use ({@link GuildPoolRouting}) — and calls `assistant.join` on that agent. A newly bound
 * session is released again when the agent fails, so the agent is idle at once. Records
 * `chopsticks_session_allocations_total{kind="assistant",outcome}` and
 * `chopsticks_session_allocation_duration_seconds`.
 */
@Injectable()
export class AssistantJoinUseCase {
  private readonly logger = new Logger(AssistantJoinUseCase.name);

  constructor(
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
    private readonly metrics: ChopsticksMetrics,
    /** Pool routing; the controller app always provides it (absent = every pool, no preference). */
    @Optional() @Inject(GuildPoolRouting) private readonly routing: GuildPoolRouting | null = null,
  ) {}

  /**
   * @throws AssistantAllocationException when no agent can be bound (`no-agents-in-guild`,
   *   `no-free-agents`, `pool-not-accessible`)
   * @throws Error from Postgres when the guild's pool routing cannot be loaded (nothing allocated)
   * @throws AgentRpcException when the agent fails (`unsupported-op`, `not-in-voice`, `agent-timeout`, …)
   */
  async execute(command: AssistantJoinCommand): Promise<AssistantJoinOutcome> {
    const routing = this.routing ? await this.routing.forGuild(command.guildId) : null;
    const started = process.hrtime.bigint();
    const allocation = this.allocator.allocate({
      guildId: command.guildId,
      voiceChannelId: command.voiceChannelId,
      kind: 'assistant',
      userId: command.userId,
      textChannelId: command.textChannelId,
      preferredPoolId: routing?.preferredPoolId,
      accessiblePoolIds: routing?.accessiblePoolIds,
    });
    this.metrics.sessionAllocationDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (!allocation.ok) {
      this.metrics.sessionAllocations.inc({ kind: 'assistant', outcome: allocation.reason });
      throw new AssistantAllocationException(allocation.reason, allocation.busy);
    }
    this.metrics.sessionAllocations.inc({ kind: 'assistant', outcome: allocation.reused ? 'reused' : 'ok' });
    const { agent, session, reused } = allocation;
    try {
      const result = await this.rpc.call(
        agent.agentId,
        'assistant.join',
        {
          guildId: command.guildId,
          voiceChannelId: command.voiceChannelId,
          ...(command.textChannelId ? { textChannelId: command.textChannelId } : {}),
        },
        { timeoutMs: ASSISTANT_JOIN_TIMEOUT_MS },
      );
      return { agent, session, reused, result };
    } catch (error) {
      if (this.allocator.release(session.sessionId, ReleaseReason.Ended)) {
        this.logger.log(`released assistant session ${session.sessionId} of ${agent.agentId}: join failed`);
      }
      throw error;
    }
  }
}
