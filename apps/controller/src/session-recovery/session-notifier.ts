import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from 'discord.js';
import { AgentRegistry } from '@app/sessions';

/**
 * Tells people what happened to a session: a message in its text channel and a direct message
 * to its owner, sent through the controller bot. Delivery failures are logged, never thrown.
 * Remembers every agent's bot user id so an agent that went offline can still be named.
 */
@Injectable()
export class SessionNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionNotifier.name);
  private readonly botUsers = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly client: Client,
    private readonly agents: AgentRegistry,
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

  /** `<@botUser>` of the agent, or a generic name when it was never seen. */
  mention(agentId: string): string {
    const botUserId = this.agents.get(agentId)?.botUserId ?? this.botUsers.get(agentId);
    return botUserId ? `<@${botUserId}>` : 'The music agent';
  }

  /** Bot user ids of every agent seen (never counted as humans). */
  isAgentBot(userId: string): boolean {
    for (const botUserId of this.botUsers.values()) if (botUserId === userId) return true;
    return false;
  }

  /** Posts `content` in the text channel (no-op when null or the bot is not logged in). */
  async toChannel(channelId: string | null, content: string): Promise<void> {
    if (!channelId || !this.client.isReady()) return;
    try {
      const channel = await this.client.channels.fetch(channelId);
      if (channel?.isSendable()) await channel.send({ content, allowedMentions: { parse: [] } });
    } catch (error) {
      this.logger.warn(`could not notify channel ${channelId}: ${describe(error)}`);
    }
  }

  /** Sends `content` to the user as a direct message (no-op when unknown or not logged in). */
  async toUser(userId: string | null, content: string): Promise<void> {
    if (!userId || !this.client.isReady()) return;
    try {
      const user = await this.client.users.fetch(userId);
      await user.send({ content, allowedMentions: { parse: [] } });
    } catch (error) {
      this.logger.warn(`could not send a direct message to user ${userId}: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
