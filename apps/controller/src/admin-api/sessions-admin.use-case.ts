import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@app/access';
import { Client } from 'discord.js';
import type { Actor } from '@app/pools';
import {
  type AgentPin,
  AgentRegistry,
  Allocator,
  ReleaseReason,
  type Session,
  SessionRegistry,
  SessionsErrorCode,
  SessionsException,
} from '@app/sessions';
import { AgentRpcClient } from '../agent-gateway';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/** How long the admin API waits for an agent to leave voice after a release (ms). */
export const RELEASE_RPC_TIMEOUT_MS = 3_000;

/** Input of {@link SessionsAdminUseCase.assign}. */
export interface SessionAssignInput {
  guildId: string;
  voiceChannelId: string;
  agentId: string;
  /** Pin duration in seconds (default: the allocator's 5 min). */
  ttlSeconds?: number;
}

/**
 * Operator actions on live sessions (admin API, SPEC §5): release a session (registry first, then
 * the agent is asked to stop and leave voice — best effort, an unreachable agent does not keep the
 * session) and pin an agent to a voice channel. Both write an audit event.
 */
@Injectable()
export class SessionsAdminUseCase {
  private readonly logger = new Logger(SessionsAdminUseCase.name);

  constructor(
    private readonly allocator: Allocator,
    private readonly registry: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly rpc: AgentRpcClient,
    private readonly audit: AuditService,
    private readonly discord: Client,
  ) {}

  /**
   * Releases a session by id.
   * @returns the released session and whether its agent confirmed leaving the voice channel.
   * @throws AdminApiException NOT_FOUND when no live session has that id
   */
  async release(sessionId: string, actor: Actor): Promise<{ session: Session; agentLeft: boolean }> {
    const session = this.sessions.getById(sessionId);
    if (!session || !this.allocator.release(sessionId, ReleaseReason.Admin, actor.id))
      throw new AdminApiException(AdminApiErrorCode.NotFound, `No live session ${sessionId}.`);
    let agentLeft = false;
    const ops =
      session.kind === 'music' ? (['music.stop', 'voice.leave'] as const) : (['assistant.leave'] as const);
    for (const op of ops) {
      try {
        await this.rpc.call(
          session.agentId,
          op,
          { guildId: session.guildId },
          { timeoutMs: RELEASE_RPC_TIMEOUT_MS },
        );
        if (op !== 'music.stop') agentLeft = true;
      } catch (error) {
        this.logger.debug(
          `${op} after admin release of ${sessionId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    await this.audit.record({
      actor: actor.id,
      requestId: actor.requestId,
      action: 'session.release',
      targetType: 'session',
      targetId: sessionId,
      payload: { agentId: session.agentId, guildId: session.guildId, kind: session.kind, agentLeft },
    });
    return { session, agentLeft };
  }

  /**
   * Pins a live agent to a voice channel: allocation there picks it while the pin holds (A5).
   * @throws SessionsException `agent-offline` when the agent is not live here,
   *   `invalid-input` for a bad ttl, an agent outside the guild, or a channel that is not a voice
   *   channel of the guild (checked when the controller bot is in the guild)
   */
  async assign(input: SessionAssignInput, actor: Actor): Promise<AgentPin> {
    const agent = this.registry.get(input.agentId);
    if (!agent)
      throw new SessionsException(
        SessionsErrorCode.AgentOffline,
        `${input.agentId} is not connected to this controller.`,
      );
    if (!agent.guilds.has(input.guildId))
      throw new SessionsException(
        SessionsErrorCode.InvalidInput,
        `${input.agentId} is not a member of guild ${input.guildId}.`,
      );
    // The controller bot's cache knows the guild's channels when the bot is in the guild; a guild
    // it is not in cannot be checked (the agent's membership above still is).
    const guild = this.discord?.guilds?.cache.get(input.guildId);
    const channel = guild?.channels.cache.get(input.voiceChannelId);
    if (guild && !channel?.isVoiceBased())
      throw new SessionsException(
        SessionsErrorCode.InvalidInput,
        `${input.voiceChannelId} is not a voice channel of guild ${input.guildId}.`,
      );
    const pin = this.allocator.assign(
      input.guildId,
      input.voiceChannelId,
      input.agentId,
      input.ttlSeconds === undefined ? undefined : input.ttlSeconds * 1000,
    );
    await this.audit.record({
      actor: actor.id,
      requestId: actor.requestId,
      action: 'session.assign',
      targetType: 'agent',
      targetId: input.agentId,
      payload: { guildId: input.guildId, voiceChannelId: input.voiceChannelId, expiresAt: pin.expiresAt },
    });
    return pin;
  }
}
