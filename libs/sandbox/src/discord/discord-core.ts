import type { ApplicationCommand } from './application-commands';
import { DiscordGateway, type GatewayOptions } from './discord-gateway';
import { DiscordInteractions } from './discord-interactions';
import { DiscordRateLimiter, type RateLimitOptions } from './discord-rate-limits';
import { ChannelType, Intent, MessageFlag } from './discord-sandbox.constants';
import type {
  ApplicationRecord,
  GuildRecord,
  MessageBody,
  MessageRecord,
  ChannelRecord,
} from './discord-store';
import { DiscordStore } from './discord-store';

/** A pending OAuth2 authorization code — Topics › OAuth2 › Authorization Code Grant. */
export interface OAuthCode {
  code: string;
  appId: string;
  userId: string;
  redirectUri: string | null;
  scopes: string[];
  expiresAt: number;
  guildId: string | null;
}

/** An issued OAuth2 access/refresh token pair. */
export interface OAuthGrant {
  accessToken: string;
  refreshToken: string;
  appId: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
}

/** Options the core needs. */
export interface DiscordCoreOptions {
  gateway: GatewayOptions;
  interactionDeadlineMs: number;
  rateLimits?: RateLimitOptions;
}

/**
 * The emulated Discord: state plus the domain operations that fan out gateway events (members
 * joining and leaving, messages). REST, control API and OAuth2 pages all act through it.
 */
export class DiscordCore {
  readonly store = new DiscordStore();
  readonly gateway: DiscordGateway;
  readonly interactions: DiscordInteractions;
  readonly rateLimiter: DiscordRateLimiter;
  /** Commands by application id, then by scope (`'global'` or a guild id). */
  readonly commands = new Map<string, Map<string, ApplicationCommand[]>>();
  readonly oauthCodes = new Map<string, OAuthCode>();
  readonly oauthGrants = new Map<string, OAuthGrant>();
  oauthUserId: string | null = null;
  restLatencyMs = 0;

  constructor(options: DiscordCoreOptions) {
    this.gateway = new DiscordGateway(this.store, options.gateway);
    this.rateLimiter = new DiscordRateLimiter(options.rateLimits);
    this.interactions = new DiscordInteractions(
      this.store,
      {
        dispatchInteraction: (app, payload, guildId) =>
          this.gateway.dispatchToBot(
            app.botUserId,
            'INTERACTION_CREATE',
            payload,
            null,
            guildId ?? undefined,
          ),
        messageCreated: (m) => this.messageEvent('MESSAGE_CREATE', m),
        messageUpdated: (m) => this.messageEvent('MESSAGE_UPDATE', m),
        messageDeleted: (m) => this.messageEvent('MESSAGE_DELETE', m),
      },
      options.interactionDeadlineMs,
    );
  }

  commandList(appId: string, scope: string): ApplicationCommand[] {
    let byScope = this.commands.get(appId);
    if (!byScope) this.commands.set(appId, (byScope = new Map<string, ApplicationCommand[]>()));
    let list = byScope.get(scope);
    if (!list) byScope.set(scope, (list = []));
    return list;
  }

  /** Finds a chat input command by name: guild commands first, then global ones. */
  findCommand(app: ApplicationRecord, guildId: string | null, name: string): ApplicationCommand | undefined {
    const guildCommand = guildId
      ? this.commandList(app.id, guildId).find((c) => c.name === name && c.type === 1)
      : undefined;
    return guildCommand ?? this.commandList(app.id, 'global').find((c) => c.name === name && c.type === 1);
  }

  /**
   * Adds a member. For a bot this is an invite: GUILD_CREATE to the bot's sessions (GUILDS intent);
   * other bots of the guild get GUILD_MEMBER_ADD (GUILD_MEMBERS intent) — Topics › Gateway Events ›
   * Guild Create / Guild Member Add.
   */
  addMember(guild: GuildRecord, userId: string, roles: string[] = []): void {
    const user = this.store.requireUser(userId);
    if (guild.members.has(userId)) return;
    guild.members.set(userId, { userId, roles, nick: null, joinedAt: new Date().toISOString() });
    const member = this.store.memberJson(guild, guild.members.get(userId)!);
    for (const other of guild.members.keys()) {
      if (other === userId || !this.store.users.get(other)?.bot) continue;
      this.gateway.dispatchToBot(
        other,
        'GUILD_MEMBER_ADD',
        { ...member, guild_id: guild.id },
        Intent.GuildMembers,
        guild.id,
      );
    }
    if (user.bot) {
      this.gateway.dispatchToBot(
        userId,
        'GUILD_CREATE',
        this.store.guildCreateJson(guild, userId),
        Intent.Guilds,
        guild.id,
      );
    }
  }

  /**
   * Removes a member (kick, or a bot leaving). The removed bot gets GUILD_DELETE without
   * `unavailable` (meaning it was removed); other bots get GUILD_MEMBER_REMOVE — Topics › Gateway
   * Events › Guild Delete / Guild Member Remove.
   */
  removeMember(guild: GuildRecord, userId: string): void {
    const user = this.store.requireUser(userId);
    if (!guild.members.has(userId)) return;
    if (guild.voiceStates.has(userId)) {
      const state = guild.voiceStates.get(userId)!;
      this.gateway.setVoiceState(guild, userId, null, state.sessionId, { selfMute: false, selfDeaf: false });
    }
    guild.members.delete(userId);
    for (const role of [...guild.roles.values()]) if (role.botId === userId) guild.roles.delete(role.id);
    if (user.bot) {
      this.gateway.dispatchToBot(userId, 'GUILD_DELETE', { id: guild.id }, Intent.Guilds, guild.id);
    }
    for (const other of guild.members.keys()) {
      if (!this.store.users.get(other)?.bot) continue;
      this.gateway.dispatchToBot(
        other,
        'GUILD_MEMBER_REMOVE',
        { guild_id: guild.id, user: this.store.userJson(user) },
        Intent.GuildMembers,
        guild.id,
      );
    }
  }

  /** Posts a message as `authorId` and dispatches MESSAGE_CREATE. */
  postMessage(channel: ChannelRecord, authorId: string, body: MessageBody): MessageRecord {
    const message = this.store.createMessage(channel, authorId, body);
    this.messageEvent('MESSAGE_CREATE', message);
    return message;
  }

  /**
   * Dispatches MESSAGE_CREATE/UPDATE/DELETE: guild messages to the guild's bots with
   * GUILD_MESSAGES, DMs to the bot recipient with DIRECT_MESSAGES; ephemeral messages are never
   * dispatched — Topics › Gateway › Gateway Intents. Without MESSAGE_CONTENT, `content`, `embeds`,
   * `attachments` and `components` are empty except in DMs and the bot's own messages — Topics ›
   * Gateway › Message Content Intent (mentions of the bot are not modelled).
   */
  private messageEvent(
    t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE' | 'MESSAGE_DELETE',
    message: MessageRecord,
  ): void {
    if ((message.flags & MessageFlag.Ephemeral) !== 0) return;
    const channel = this.store.channels.get(message.channelId);
    if (!channel) return;
    const guild = channel.guildId ? this.store.guilds.get(channel.guildId) : undefined;
    const recipients = guild
      ? [...guild.members.keys()]
      : channel.type === ChannelType.DM
        ? channel.recipientIds
        : [];
    const intent = guild ? Intent.GuildMessages : Intent.DirectMessages;
    for (const botId of recipients) {
      if (!this.store.users.get(botId)?.bot) continue;
      let d: Record<string, unknown>;
      if (t === 'MESSAGE_DELETE') {
        d = { id: message.id, channel_id: channel.id, ...(guild ? { guild_id: guild.id } : {}) };
      } else {
        d = { ...this.store.messageJson(message), ...(guild ? { guild_id: guild.id } : {}) };
        const member = guild?.members.get(message.authorId);
        if (guild && member) {
          const { user: _user, ...rest } = this.store.memberJson(guild, member);
          d.member = rest;
        }
      }
      const ownOrDm = message.authorId === botId || !guild;
      this.gateway.dispatchToBot(botId, t, d, intent, guild?.id, (intents, data) =>
        ownOrDm || (intents & Intent.MessageContent) !== 0 || t === 'MESSAGE_DELETE'
          ? data
          : {
              ...(data as Record<string, unknown>),
              content: '',
              embeds: [],
              attachments: [],
              components: [],
            },
      );
    }
  }

  async close(): Promise<void> {
    this.interactions.close();
    await this.gateway.close();
  }
}
