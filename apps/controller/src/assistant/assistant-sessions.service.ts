import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ProtocolErrorCode, type RpcOp, type RpcParamsInput, type RpcResult } from '@app/protocol';
import { AgentRegistry, Allocator, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentRpcClient, AgentRpcException } from '../agent-gateway';
import { ASSISTANT_SAY_TIMEOUT_MS } from './assistant.constants';
import { AssistantSessionMissingException } from './assistant.exception';

/** The assistant session of one voice channel. */
export interface AssistantSessionKey {
  guildId: string;
  voiceChannelId: string;
}

/**
 * Assistant commands on an existing session: only the agent bound to (guild, voice channel,
 * assistant) is asked, and `leave` releases the session so the agent is idle again.
 */
@Injectable()
export class AssistantSessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AssistantSessionsService.name);
  /** agentId → bot user id of every agent seen, so replies can still name an agent gone offline. */
  private readonly botUsers = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly allocator: Allocator,
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly rpc: AgentRpcClient,
  ) {}

  onModuleInit(): void {
    for (const agent of this.agents.all()) this.botUsers.set(agent.agentId, agent.botUserId);
    this.unsubscribe = this.agents.events.on('agent.up', ({ agent }) =>
      this.botUsers.set(agent.agentId, agent.botUserId),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * The assistant session for the key.
   * @throws AssistantSessionMissingException `no-session`, or `agent-offline` when its agent went away
   */
  sessionFor(key: AssistantSessionKey): Session {
    const lookup = this.allocator.lookup({ ...key, kind: 'assistant' });
    if (lookup.ok) return lookup.session;
    if (lookup.error === ProtocolErrorCode.AgentOffline) {
      throw new AssistantSessionMissingException(ProtocolErrorCode.AgentOffline, lookup.agentId);
    }
    throw new AssistantSessionMissingException(ProtocolErrorCode.NoSession, null);
  }

  /** The agent's bot user id (for mentions), also after it went offline; null when never seen. */
  botUserIdOf(agentId: string): string | null {
    return this.agents.get(agentId)?.botUserId ?? this.botUsers.get(agentId) ?? null;
  }

  /**
   * Calls `op` on the session's agent and marks the session active. When the agent answers
   * `not-in-voice` the session is stale and is released before the error is rethrown.
   * @throws AgentRpcException from the agent (see `AgentRpcClient.call`)
   */
  async call<Op extends RpcOp>(session: Session, op: Op, params: RpcParamsInput<Op>): Promise<RpcResult<Op>> {
    try {
      const result = await this.rpc.call(session.agentId, op, params, {
        timeoutMs: ASSISTANT_SAY_TIMEOUT_MS,
      });
      this.sessions.touch(session.sessionId);
      return result;
    } catch (error) {
      if (error instanceof AgentRpcException && error.code === ProtocolErrorCode.NotInVoice) {
        if (this.allocator.release(session.sessionId, ReleaseReason.Ended)) {
          this.logger.log(
            `released stale assistant session ${session.sessionId} of ${session.agentId} (not in voice)`,
          );
        }
      }
      throw error;
    }
  }

  /**
   * Makes the agent leave voice and releases the session, also when the agent cannot be reached
   * (it is gone or no longer in voice).
   * @throws AgentRpcException for failures other than `agent-offline` / `not-in-voice`
   */
  async leave(session: Session): Promise<void> {
    try {
      await this.rpc.call(session.agentId, 'assistant.leave', { guildId: session.guildId });
    } catch (error) {
      const harmless =
        error instanceof AgentRpcException &&
        (error.code === ProtocolErrorCode.AgentOffline || error.code === ProtocolErrorCode.NotInVoice);
      if (!harmless) throw error;
    }
    if (this.allocator.release(session.sessionId, ReleaseReason.User)) {
      this.logger.log(`released assistant session ${session.sessionId} of ${session.agentId} (user)`);
    }
  }
}
