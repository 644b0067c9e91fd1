import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from 'discord.js';
import type { AgentEvent } from '@app/protocol';
import { AgentRegistry, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';

/**
 * Ends assistant sessions nobody listens to (SPEC §5: the agent releases by itself when the last
 * human leaves): when an agent reports `humans.left` for the voice channel of its assistant
 * session, the session is released (reason `humans-left`), the agent is asked to
 * `assistant.leave`, and the session's text channel is told. Busy gauges and release counters
 * follow the session registry elsewhere (music lifecycle); an agent going offline is handled by
 * session recovery (assistant sessions end with a notice).
 */
@Injectable()
export class AssistantSessionLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AssistantSessionLifecycle.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly sessions: SessionRegistry,
    private readonly agents: AgentRegistry,
    private readonly rpc: AgentRpcClient,
    private readonly client: Client,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('agent.event', ({ agentId, event }) =>
      this.onAgentEvent(agentId, event),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private onAgentEvent(agentId: string, event: AgentEvent): void {
    if (event.name !== 'humans.left') return;
    const session = this.sessions.agentSessionInGuild(agentId, event.guildId);
    if (!session || session.kind !== 'assistant' || session.voiceChannelId !== event.voiceChannelId) return;
    const botUserId = this.agents.get(agentId)?.botUserId;
    this.sessions.release(session.sessionId, ReleaseReason.HumansLeft);
    this.logger.log(`released assistant session ${session.sessionId} of ${agentId}: the last human left`);
    this.rpc.call(agentId, 'assistant.leave', { guildId: event.guildId }).then(
      () => undefined,
      (error: unknown) =>
        this.logger.debug(`assistant.leave after humans left failed for ${agentId}: ${String(error)}`),
    );
    const agent = botUserId ? `<@${botUserId}>` : 'The assistant';
    this.notify(session, `Everyone left <#${session.voiceChannelId}>, so ${agent} left too.`);
  }

  private notify(session: Session, content: string): void {
    const channelId = session.textChannelId;
    if (!channelId || !this.client.isReady()) return;
    this.client.channels
      .fetch(channelId)
      .then(async (channel) => {
        if (channel?.isSendable()) await channel.send({ content, allowedMentions: { parse: [] } });
      })
      .catch((error: unknown) =>
        this.logger.warn(
          `could not notify channel ${channelId}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }
}
