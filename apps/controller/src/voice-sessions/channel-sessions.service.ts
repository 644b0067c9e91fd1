import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  ProtocolErrorCode,
  type RpcOp,
  type RpcParamsInput,
  type RpcResult,
  type SessionKind,
} from '@app/protocol';
import { AgentRegistry, Allocator, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentRpcClient, AgentRpcException } from '../agent-gateway';

/** A voice channel of a guild: the part of a session key a command knows from the user. */
export interface ChannelSessionKey {
  guildId: string;
  voiceChannelId: string;
}

/**
 * Commands on the existing session of one voice channel, shared by `/music` and `/assistant`:
 * only the agent bound to (guild, voice channel, kind) is asked — never another agent — a stale
 * session (`not-in-voice`) is released, and ending a session releases it even when the agent can
 * no longer be reached, so the agent is idle again (A7). Subclasses name the kind and the
 * exception a missing session raises. Decorated so Nest reads the constructor's parameter types,
 * which subclasses inherit.
 */
@Injectable()
export abstract class ChannelSessionsService implements OnModuleInit, OnModuleDestroy {
  protected readonly logger = new Logger(this.constructor.name);
  /** agentId → bot user id of every agent seen, so replies can still name an agent gone offline. */
  private readonly botUsers = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;

  /** The session kind this service serves. */
  protected abstract readonly kind: SessionKind;

  /** The error thrown when the channel has no session (`no-session`) or its agent left (`agent-offline`). */
  protected abstract missing(
    code: ProtocolErrorCode.NoSession | ProtocolErrorCode.AgentOffline,
    agentId: string | null,
  ): Error;

  /** RPC timeout for {@link call} in ms; `undefined` = the gateway default. */
  protected readonly callTimeoutMs: number | undefined = undefined;

  constructor(
    protected readonly allocator: Allocator,
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    protected readonly rpc: AgentRpcClient,
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
   * The session of this kind for the channel.
   * @throws the subclass's missing-session error: `no-session`, or `agent-offline` when its agent went away (A6)
   */
  sessionFor(key: ChannelSessionKey): Session {
    const lookup = this.allocator.lookup({ ...key, kind: this.kind });
    if (lookup.ok) return lookup.session;
    if (lookup.error === ProtocolErrorCode.AgentOffline) {
      throw this.missing(ProtocolErrorCode.AgentOffline, lookup.agentId);
    }
    throw this.missing(ProtocolErrorCode.NoSession, null);
  }

  /** The agent's bot user id (for mentions), also after it went offline; null when never seen. */
  botUserIdOf(agentId: string): string | null {
    return this.agents.get(agentId)?.botUserId ?? this.botUsers.get(agentId) ?? null;
  }

  /**
   * Calls `op` on the session's agent and marks the session active. When the agent answers
   * `not-in-voice` (kicked, moved, player gone) the session is stale and is released before the
   * error is rethrown.
   * @throws AgentRpcException from the agent (see `AgentRpcClient.call`)
   */
  async call<Op extends RpcOp>(session: Session, op: Op, params: RpcParamsInput<Op>): Promise<RpcResult<Op>> {
    try {
      const result = await this.rpc.call(session.agentId, op, params, { timeoutMs: this.callTimeoutMs });
      this.sessions.touch(session.sessionId);
      return result;
    } catch (error) {
      if (error instanceof AgentRpcException && error.code === ProtocolErrorCode.NotInVoice) {
        if (this.allocator.release(session.sessionId, ReleaseReason.Ended)) {
          this.logger.log(
            `released stale ${this.kind} session ${session.sessionId} of ${session.agentId} (not in voice)`,
          );
        }
      }
      throw error;
    }
  }

  /**
   * Runs the agent-side end of a session (`work`), then releases the session — also when the agent
   * cannot be reached (`agent-offline`) or is no longer in voice (`not-in-voice`). `actor`: the
   * Discord user who asked (recorded in the lease ledger).
   * @throws AgentRpcException for other failures of `work` (the session then stays)
   */
  protected async endWith(
    session: Session,
    work: () => Promise<void>,
    actor: string | null = null,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      const harmless =
        error instanceof AgentRpcException &&
        (error.code === ProtocolErrorCode.AgentOffline || error.code === ProtocolErrorCode.NotInVoice);
      if (!harmless) throw error;
    }
    if (this.allocator.release(session.sessionId, ReleaseReason.User, actor)) {
      this.logger.log(`released ${this.kind} session ${session.sessionId} of ${session.agentId} (user)`);
    }
  }
}
