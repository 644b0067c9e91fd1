import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from 'discord.js';
import { ChopsticksMetrics } from '@app/metrics';
import type { AgentEvent } from '@app/protocol';
import { AgentRegistry, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';

type ReleaseLabel =
  | 'user'
  | 'admin'
  | 'idle'
  | 'channel-empty'
  | 'agent-offline'
  | 'agent-disconnected'
  | 'shutdown'
  | 'error';

/** `chopsticks_session_releases_total{reason}` label for a registry release reason. */
function releaseLabel(reason: ReleaseReason): ReleaseLabel {
  switch (reason) {
    case ReleaseReason.User:
    case ReleaseReason.Ended:
      return 'user';
    case ReleaseReason.Admin:
      return 'admin';
    case ReleaseReason.Idle:
      return 'idle';
    case ReleaseReason.HumansLeft:
      return 'channel-empty';
    case ReleaseReason.AgentOffline:
    case ReleaseReason.AgentLeftGuild:
    case ReleaseReason.Failover:
      return 'agent-offline';
    case ReleaseReason.AgentDisconnected:
      return 'agent-disconnected';
    case ReleaseReason.SessionLost:
      return 'error';
    case ReleaseReason.Shutdown:
      return 'shutdown';
  }
}

/**
 * Ends music sessions the agents end: when an agent reports the last human left its voice
 * channel (`humans.left`) the session is released and the agent asked to leave. Sessions of an
 * agent that went offline are failed over (or released with a notice) by the controller's
 * session-recovery feature. Keeps `chopsticks_agent_busy{kind}` and
 * `chopsticks_session_releases_total{kind,reason}` in step with the session registry.
 */
@Injectable()
export class MusicSessionLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MusicSessionLifecycle.name);
  private readonly unsubscribers: (() => void)[] = [];
  /** Bot user ids of agents holding sessions, kept past their removal from the registry. */
  private readonly botUsers = new Map<string, string>();

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly sessions: SessionRegistry,
    private readonly agents: AgentRegistry,
    private readonly rpc: AgentRpcClient,
    private readonly metrics: ChopsticksMetrics,
    private readonly client: Client,
  ) {}

  onModuleInit(): void {
    this.updateBusy();
    this.unsubscribers.push(
      this.events.on('agent.event', ({ agentId, event }) => this.onAgentEvent(agentId, event)),
      this.sessions.events.on('session.bound', ({ session }) => {
        const botUserId = this.agents.get(session.agentId)?.botUserId;
        if (botUserId) this.botUsers.set(session.agentId, botUserId);
        this.updateBusy();
      }),
      this.sessions.events.on('session.released', ({ session, reason }) => {
        this.updateBusy();
        this.metrics.sessionReleases.inc({ kind: session.kind, reason: releaseLabel(reason) });
        if (this.sessions.byAgentId(session.agentId).length === 0) this.botUsers.delete(session.agentId);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }

  private onAgentEvent(agentId: string, event: AgentEvent): void {
    if (event.name !== 'humans.left') return;
    const session = this.sessions.agentSessionInGuild(agentId, event.guildId);
    if (!session || session.kind !== 'music' || session.voiceChannelId !== event.voiceChannelId) return;
    this.sessions.release(session.sessionId, ReleaseReason.HumansLeft);
    this.logger.log(`released music session ${session.sessionId} of ${agentId}: the last human left`);
    this.rpc.call(agentId, 'voice.leave', { guildId: event.guildId }).then(
      () => undefined,
      (error: unknown) =>
        this.logger.debug(`voice.leave after humans left failed for ${agentId}: ${String(error)}`),
    );
    this.notify(
      session,
      `Everyone left ${channelMention(session.voiceChannelId)}, so ${this.mention(agentId)} stopped the music and left.`,
    );
  }

  private updateBusy(): void {
    this.metrics.agentBusy.set({ kind: 'music' }, this.sessions.countByKind('music'));
    this.metrics.agentBusy.set({ kind: 'assistant' }, this.sessions.countByKind('assistant'));
  }

  private mention(agentId: string): string {
    const botUserId = this.agents.get(agentId)?.botUserId ?? this.botUsers.get(agentId);
    return botUserId ? `<@${botUserId}>` : 'The music agent';
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

function channelMention(channelId: string): string {
  return `<#${channelId}>`;
}
