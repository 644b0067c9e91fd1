import { randomBytes } from 'node:crypto';
import {
  ALL_PERMISSIONS,
  ChannelType,
  DEFAULT_EVERYONE_PERMISSIONS,
  MessageType,
  Permission,
} from './discord-sandbox.constants';
import { DiscordApiError } from './discord-sandbox.exception';
import { SnowflakeGenerator } from './snowflake';

/** A Discord user or bot user — Resources › User › User Object. */
export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  locale: string;
  email: string | null;
}

/** An application with its bot user — Resources › Application › Application Object. */
export interface ApplicationRecord {
  id: string;
  name: string;
  botUserId: string;
  token: string;
  clientSecret: string;
  flags: number;
  redirectUris: string[];
  ownerId: string | null;
}

/** A guild role — Topics › Permissions › Role Object. */
export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  color: number;
  hoist: boolean;
  managed: boolean;
  mentionable: boolean;
  botId: string | null;
}

/** A guild or DM channel — Resources › Channel › Channel Object. */
export interface ChannelRecord {
  id: string;
  type: number;
  guildId: string | null;
  name: string | null;
  position: number;
  parentId: string | null;
  recipientIds: string[];
  lastMessageId: string | null;
  bitrate: number;
  userLimit: number;
}

/** A guild member — Resources › Guild › Guild Member Object. */
export interface MemberRecord {
  userId: string;
  roles: string[];
  nick: string | null;
  joinedAt: string;
}

/** A voice state — Resources › Voice › Voice State Object. */
export interface VoiceStateRecord {
  userId: string;
  guildId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  requestToSpeakTimestamp: string | null;
}

/** A guild with its roles, members and voice states — Resources › Guild › Guild Object. */
export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  preferredLocale: string;
  roles: Map<string, RoleRecord>;
  channelIds: string[];
  members: Map<string, MemberRecord>;
  voiceStates: Map<string, VoiceStateRecord>;
  systemChannelId: string | null;
}

/** A message — Resources › Message › Message Object (subset the emulator tracks). */
export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: unknown[];
  flags: number;
  type: number;
  timestamp: string;
  editedTimestamp: string | null;
  webhookId: string | null;
  applicationId: string | null;
  interactionMetadata: Record<string, unknown> | null;
  tts: boolean;
  deleted: boolean;
}

/** Fields of a message create/edit body the emulator keeps — Resources › Message › Create Message. */
export interface MessageBody {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: unknown[];
  flags?: number;
  tts?: boolean;
}

/**
 * In-memory state of the emulated Discord: users, applications, guilds, channels, members, voice
 * states and messages. Serialisers turn records into the JSON shapes of the API docs.
 */
export class DiscordStore {
  readonly snowflakes = new SnowflakeGenerator();
  readonly tokenSecret = randomBytes(32);
  readonly users = new Map<string, UserRecord>();
  readonly applications = new Map<string, ApplicationRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord[]>();

  applicationByToken(token: string): ApplicationRecord | undefined {
    for (const app of this.applications.values()) if (app.token === token) return app;
    return undefined;
  }

  applicationByBot(botUserId: string): ApplicationRecord | undefined {
    for (const app of this.applications.values()) if (app.botUserId === botUserId) return app;
    return undefined;
  }

  requireUser(id: string): UserRecord {
    const user = this.users.get(id);
    if (!user) throw DiscordApiError.unknown(10013, 'User');
    return user;
  }

  requireGuild(id: string): GuildRecord {
    const guild = this.guilds.get(id);
    if (!guild) throw DiscordApiError.unknown(10004, 'Guild');
    return guild;
  }

  requireChannel(id: string): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel) throw DiscordApiError.unknown(10003, 'Channel');
    return channel;
  }

  guildChannels(guild: GuildRecord): ChannelRecord[] {
    return guild.channelIds.map((id) => this.requireChannel(id));
  }

  /** Guilds a user (or bot) is a member of. */
  guildsOf(userId: string): GuildRecord[] {
    return [...this.guilds.values()].filter((g) => g.members.has(userId));
  }

  /** Whether a user can see a channel: guild member, or DM recipient. */
  canAccessChannel(userId: string, channel: ChannelRecord): boolean {
    if (channel.guildId) return this.guilds.get(channel.guildId)?.members.has(userId) ?? false;
    return channel.recipientIds.includes(userId);
  }

  /**
   * Base permissions of a member: owner and ADMINISTRATOR hold all; otherwise @everyone OR the
   * member's roles — Topics › Permissions › Permission Hierarchy (channel overwrites are not
   * modelled: sandbox channels carry no overwrites).
   */
  permissionsOf(guild: GuildRecord, userId: string): bigint {
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const member = guild.members.get(userId);
    if (!member) return 0n;
    let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of member.roles) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
    return (perms & Permission.Administrator) !== 0n ? ALL_PERMISSIONS : perms;
  }

  /** Creates a guild with an @everyone role (id = guild id, Topics › Permissions › Role Object). */
  createGuild(name: string, ownerId: string): GuildRecord {
    const id = this.snowflakes.next();
    const guild: GuildRecord = {
      id,
      name,
      ownerId,
      preferredLocale: 'en-US',
      roles: new Map(),
      channelIds: [],
      members: new Map(),
      voiceStates: new Map(),
      systemChannelId: null,
    };
    guild.roles.set(id, {
      id,
      name: '@everyone',
      permissions: DEFAULT_EVERYONE_PERMISSIONS,
      position: 0,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      botId: null,
    });
    this.guilds.set(id, guild);
    return guild;
  }

  createChannel(input: Omit<ChannelRecord, 'id' | 'lastMessageId' | 'bitrate' | 'userLimit'>): ChannelRecord {
    const channel: ChannelRecord = {
      ...input,
      id: this.snowflakes.next(),
      lastMessageId: null,
      bitrate: input.type === ChannelType.GuildVoice ? 64000 : 0,
      userLimit: 0,
    };
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, []);
    if (channel.guildId) this.requireGuild(channel.guildId).channelIds.push(channel.id);
    return channel;
  }

  /** Returns the DM channel between two users, creating it on first use (Resources › User › Create DM). */
  dmChannel(a: string, b: string): ChannelRecord {
    for (const channel of this.channels.values()) {
      if (
        channel.type === ChannelType.DM &&
        channel.recipientIds.includes(a) &&
        channel.recipientIds.includes(b)
      ) {
        return channel;
      }
    }
    return this.createChannel({
      type: ChannelType.DM,
      guildId: null,
      name: null,
      position: 0,
      parentId: null,
      recipientIds: [a, b],
    });
  }

  createMessage(
    channel: ChannelRecord,
    authorId: string,
    body: MessageBody,
    extra: Partial<Pick<MessageRecord, 'type' | 'webhookId' | 'applicationId' | 'interactionMetadata'>> = {},
  ): MessageRecord {
    const message: MessageRecord = {
      id: this.snowflakes.next(),
      channelId: channel.id,
      guildId: channel.guildId,
      authorId,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      attachments: body.attachments ?? [],
      flags: body.flags ?? 0,
      type: extra.type ?? MessageType.Default,
      timestamp: new Date().toISOString(),
      editedTimestamp: null,
      webhookId: extra.webhookId ?? null,
      applicationId: extra.applicationId ?? null,
      interactionMetadata: extra.interactionMetadata ?? null,
      tts: body.tts ?? false,
      deleted: false,
    };
    this.messages.get(channel.id)?.push(message);
    channel.lastMessageId = message.id;
    return message;
  }

  findMessage(messageId: string): MessageRecord | undefined {
    for (const list of this.messages.values()) {
      const found = list.find((m) => m.id === messageId && !m.deleted);
      if (found) return found;
    }
    return undefined;
  }

  /** Applies an edit body to a message (Resources › Message › Edit Message: absent fields are kept). */
  editMessage(message: MessageRecord, body: MessageBody): MessageRecord {
    if (body.content !== undefined) message.content = body.content ?? '';
    if (body.embeds !== undefined) message.embeds = body.embeds ?? [];
    if (body.components !== undefined) message.components = body.components ?? [];
    if (body.attachments !== undefined) message.attachments = body.attachments ?? [];
    if (body.flags !== undefined) message.flags = body.flags;
    message.editedTimestamp = new Date().toISOString();
    return message;
  }

  // ---- serialisers (JSON shapes of the docs) ----

  /** User object — Resources › User › User Object. */
  userJson(user: UserRecord, withEmail = false): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.globalName,
      avatar: null,
      avatar_decoration_data: null,
      banner: null,
      accent_color: null,
      public_flags: 0,
      flags: 0,
      primary_guild: null,
      collectibles: null,
    };
    if (user.bot) json.bot = true;
    if (withEmail) {
      json.email = user.email;
      json.verified = true;
      json.locale = user.locale;
      json.mfa_enabled = false;
    }
    return json;
  }

  /** Role object — Topics › Permissions › Role Object (`permissions` as a string bitfield). */
  roleJson(role: RoleRecord): Record<string, unknown> {
    return {
      id: role.id,
      name: role.name,
      color: role.color,
      colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
      hoist: role.hoist,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: role.mentionable,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  /** Guild member object — Resources › Guild › Guild Member Object. */
  memberJson(guild: GuildRecord, member: MemberRecord, withPermissions = false): Record<string, unknown> {
    const json: Record<string, unknown> = {
      user: this.userJson(this.requireUser(member.userId)),
      nick: member.nick,
      avatar: null,
      banner: null,
      roles: [...member.roles],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
    if (withPermissions) json.permissions = this.permissionsOf(guild, member.userId).toString();
    return json;
  }

  /** Channel object — Resources › Channel › Channel Object. */
  channelJson(channel: ChannelRecord, viewerId?: string): Record<string, unknown> {
    if (channel.type === ChannelType.DM) {
      return {
        id: channel.id,
        type: channel.type,
        last_message_id: channel.lastMessageId,
        flags: 0,
        recipients: channel.recipientIds
          .filter((id) => id !== viewerId)
          .map((id) => this.userJson(this.requireUser(id))),
      };
    }
    const json: Record<string, unknown> = {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      position: channel.position,
      parent_id: channel.parentId,
      permission_overwrites: [],
      flags: 0,
      nsfw: false,
    };
    if (channel.type === ChannelType.GuildText) {
      json.topic = null;
      json.last_message_id = channel.lastMessageId;
      json.rate_limit_per_user = 0;
    }
    if (channel.type === ChannelType.GuildVoice || channel.type === ChannelType.GuildStageVoice) {
      json.bitrate = channel.bitrate;
      json.user_limit = channel.userLimit;
      json.rtc_region = null;
      json.last_message_id = channel.lastMessageId;
      json.rate_limit_per_user = 0;
    }
    return json;
  }

  /** Voice state object — Resources › Voice › Voice State Object. */
  voiceStateJson(guild: GuildRecord, state: VoiceStateRecord, withGuild = true): Record<string, unknown> {
    const member = guild.members.get(state.userId);
    return {
      ...(withGuild ? { guild_id: guild.id } : {}),
      channel_id: state.channelId,
      user_id: state.userId,
      ...(member && withGuild ? { member: this.memberJson(guild, member) } : {}),
      session_id: state.sessionId,
      deaf: false,
      mute: false,
      self_deaf: state.selfDeaf,
      self_mute: state.selfMute,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: state.requestToSpeakTimestamp,
    };
  }

  /** Guild object (REST shape) — Resources › Guild › Guild Object. */
  guildJson(guild: GuildRecord): Record<string, unknown> {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [...guild.roles.values()].map((r) => this.roleJson(r)),
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: guild.systemChannelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.preferredLocale,
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
  }

  /**
   * GUILD_CREATE payload: guild object plus `joined_at`, `large`, `unavailable`, `member_count`,
   * `voice_states` (without guild_id), `members`, `channels`, `threads`, `presences`,
   * `stage_instances`, `guild_scheduled_events`, `soundboard_sounds` — Topics › Gateway Events ›
   * Guild Create.
   */
  guildCreateJson(guild: GuildRecord, forUserId: string): Record<string, unknown> {
    return {
      ...this.guildJson(guild),
      joined_at: guild.members.get(forUserId)?.joinedAt ?? new Date().toISOString(),
      large: guild.members.size > 250,
      unavailable: false,
      member_count: guild.members.size,
      voice_states: [...guild.voiceStates.values()].map((v) => this.voiceStateJson(guild, v, false)),
      members: [...guild.members.values()].map((m) => this.memberJson(guild, m)),
      channels: this.guildChannels(guild).map((c) => this.channelJson(c)),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** Message object — Resources › Message › Message Object. */
  messageJson(message: MessageRecord): Record<string, unknown> {
    const author = this.requireUser(message.authorId);
    const json: Record<string, unknown> = {
      type: message.type,
      channel_id: message.channelId,
      content: message.content,
      attachments: message.attachments,
      embeds: message.embeds,
      timestamp: message.timestamp,
      edited_timestamp: message.editedTimestamp,
      flags: message.flags,
      components: message.components,
      id: message.id,
      author: this.userJson(author),
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: message.tts,
    };
    if (message.webhookId) json.webhook_id = message.webhookId;
    if (message.applicationId) json.application_id = message.applicationId;
    if (message.interactionMetadata) json.interaction_metadata = message.interactionMetadata;
    return json;
  }
}
