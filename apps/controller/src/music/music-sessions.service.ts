import { Injectable } from '@nestjs/common';
import type { ProtocolErrorCode } from '@app/protocol';
import type { Session } from '@app/sessions';
import { ChannelSessionsService, type ChannelSessionKey } from '../voice-sessions';
import { MusicSessionMissingException } from './music.exception';

/** The music session of one voice channel. */
export type MusicSessionKey = ChannelSessionKey;

/**
 * Music commands on an existing session: the agent bound to (guild, voice channel, music) —
 * never another agent — answers ops, and stop/leave release the session so the agent is idle
 * again (A7). Shared mechanics in {@link ChannelSessionsService}.
 */
@Injectable()
export class MusicSessionsService extends ChannelSessionsService {
  protected readonly kind = 'music';

  protected missing(
    code: ProtocolErrorCode.NoSession | ProtocolErrorCode.AgentOffline,
    agentId: string | null,
  ): Error {
    return new MusicSessionMissingException(code, agentId);
  }

  /**
   * Stops playback (clearing the queue), makes the agent leave voice and releases the session.
   * The session is released even when the agent cannot be reached (it is gone or not in voice).
   * `actor`: the Discord user who asked (lease ledger).
   * @throws AgentRpcException for failures other than `agent-offline` / `not-in-voice`
   */
  async stop(session: Session, actor: string | null = null): Promise<void> {
    await this.endWith(
      session,
      async () => {
        await this.rpc.call(session.agentId, 'music.stop', { guildId: session.guildId });
        await this.rpc.call(session.agentId, 'voice.leave', { guildId: session.guildId });
      },
      actor,
    );
  }

  /** Leaves voice and releases the session (like {@link stop}, without clearing first). */
  async leave(session: Session, actor: string | null = null): Promise<void> {
    await this.endWith(
      session,
      async () => {
        await this.rpc.call(session.agentId, 'voice.leave', { guildId: session.guildId });
      },
      actor,
    );
  }
}
