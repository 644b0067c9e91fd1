import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ProtocolErrorCode, type RpcOp, type RpcParamsInput, type RpcResult } from '@app/protocol';
import { AgentRegistry, Allocator, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentRpcClient, AgentRpcException } from '../agent-gateway';
import { MusicSessionMissingException } from './music.exception';

/** The music session of one voice channel. */
export interface MusicSessionKey {
  guildId: string;
  voiceChannelId: string;
}

/**
 * Music commands on an existing session: the agent bound to (guild, voice channel, music) —
 * never another agent — answers ops, and stop/leave release the session so the agent is idle
 * again (A7).
 */
@Injectable()
export class MusicSessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MusicSessionsService.name);
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
   * The session for the key.
   * @throws MusicSessionMissingException `no-session`, or `agent-offline` when its agent went away
   */
  sessionFor(key: MusicSessionKey): Session {
    const lookup = this.allocator.lookup({ ...key, kind: 'music' });
    if (lookup.ok) return lookup.session;
    if (lookup.error === ProtocolErrorCode.AgentOffline) {
      throw new MusicSessionMissingException(ProtocolErrorCode.AgentOffline, lookup.agentId);
    }
    throw new MusicSessionMissingException(ProtocolErrorCode.NoSession, null);
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
      const result = await this.rpc.call(session.agentId, op, params);
      this.sessions.touch(session.sessionId);
      return result;
    } catch (error) {
      // The agent is no longer in voice there (kicked, moved, player gone): the session is stale.
      if (error instanceof AgentRpcException && error.code === ProtocolErrorCode.NotInVoice) {
        if (this.allocator.release(session.sessionId, ReleaseReason.Ended)) {
          this.logger.log(
            `released stale music session ${session.sessionId} of ${session.agentId} (not in voice)`,
          );
        }
      }
      throw error;
    }
  }

  /**
   * Stops playback (clearing the queue), makes the agent leave voice and releases the session.
   * The session is released even when the agent cannot be reached (it is gone or not in voice).
   * @throws AgentRpcException for failures other than `agent-offline` / `not-in-voice`
   */
  async stop(session: Session): Promise<void> {
    await this.endWith(session, async () => {
      await this.rpc.call(session.agentId, 'music.stop', { guildId: session.guildId });
      await this.rpc.call(session.agentId, 'voice.leave', { guildId: session.guildId });
    });
  }

  /** Leaves voice and releases the session (like {@link stop}, without clearing first). */
  async leave(session: Session): Promise<void> {
    await this.endWith(session, async () => {
      await this.rpc.call(session.agentId, 'voice.leave', { guildId: session.guildId });
    });
  }

  private async endWith(session: Session, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const harmless =
        error instanceof AgentRpcException &&
        (error.code === ProtocolErrorCode.AgentOffline || error.code === ProtocolErrorCode.NotInVoice);
      if (!harmless) throw error;
    }
    if (this.allocator.release(session.sessionId, ReleaseReason.User)) {
      this.logger.log(`released music session ${session.sessionId} of ${session.agentId} (user)`);
    }
  }
}
