import { Injectable } from '@nestjs/common';
import type { ProtocolErrorCode } from '@app/protocol';
import type { Session } from '@app/sessions';
import { ChannelSessionsService, type ChannelSessionKey } from '../voice-sessions';
import { ASSISTANT_SAY_TIMEOUT_MS } from './assistant.constants';
import { AssistantSessionMissingException } from './assistant.exception';

/** The assistant session of one voice channel. */
export type AssistantSessionKey = ChannelSessionKey;

/**
 * Assistant commands on an existing session: only the agent bound to (guild, voice channel,
 * assistant) is asked, and `leave` releases the session so the agent is idle again. Calls wait up
 * to {@link ASSISTANT_SAY_TIMEOUT_MS} (speech is fetched and loaded first). Shared mechanics in
 * {@link ChannelSessionsService}.
 */
@Injectable()
export class AssistantSessionsService extends ChannelSessionsService {
  protected readonly kind = 'assistant';
  protected override readonly callTimeoutMs = ASSISTANT_SAY_TIMEOUT_MS;

  protected missing(
    code: ProtocolErrorCode.NoSession | ProtocolErrorCode.AgentOffline,
    agentId: string | null,
  ): Error {
    return new AssistantSessionMissingException(code, agentId);
  }

  /**
   * Makes the agent leave voice and releases the session, also when the agent cannot be reached
   * (it is gone or no longer in voice). `actor`: the Discord user who asked (lease ledger).
   * @throws AgentRpcException for failures other than `agent-offline` / `not-in-voice`
   */
  async leave(session: Session, actor: string | null = null): Promise<void> {
    await this.endWith(
      session,
      async () => {
        await this.rpc.call(session.agentId, 'assistant.leave', { guildId: session.guildId });
      },
      actor,
    );
  }
}
