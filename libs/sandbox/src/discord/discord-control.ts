import { z } from 'zod';
import type { DiscordCore } from './discord-core';
import type { InteractionResult, InteractionWaitFor } from './discord-interactions';
import type { DiscordOAuth2 } from './discord-oauth2';
import {
  ChannelType,
  GatewayCloseCode,
  InteractionType,
  PrivilegedIntentFlag,
  type PrivilegedIntent,
} from './discord-sandbox.constants';
import { DiscordApiError, DiscordSandboxError, DiscordSandboxErrorCode } from './discord-sandbox.exception';
import type { GuildRecord } from './discord-store';
import { makeBotToken, randomSecret } from './discord-tokens';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a snowflake');
const name = z.string().min(1).max(100);

const waitForSchema = z.union([
  z.literal('ack'),
  z.literal('response'),
  z.object({ ms: z.number().int().min(0).max(900000) }).strict(),
  z
    .object({
      edits: z.number().int().min(0).optional(),
      followUps: z.number().int().min(0).optional(),
      timeoutMs: z.number().int().min(0).max(900000).optional(),
    })
    .strict(),
]);

export const applicationCreateSchema = z
  .object({
    name: name.default('Sandbox App'),
    username: z.string().min(2).max(32).optional(),
    privilegedIntents: z.array(z.enum(['GuildMembers', 'GuildPresences', 'MessageContent'])).default([]),
    redirectUris: z.array(z.string().url()).default([]),
    ownerId: snowflake.optional(),
  })
  .strict();

export const userCreateSchema = z
  .object({
    username: z.string().min(2).max(32),
    globalName: z.string().min(1).max(32).optional(),
    locale: z.string().default('en-US'),
    email: z.string().email().optional(),
  })
  .strict();

const channelSpec = z.union([
  z.string().min(1).max(100),
  z.object({ name: z.string().min(1).max(100) }).strict(),
]);
const roleSpec = z
  .object({
    name: z.string().min(1).max(100),
    permissions: z.union([z.string().regex(/^\d+$/), z.number().int().min(0)]).default('0'),
    members: z.array(snowflake).default([]),
  })
  .strict();

export const guildCreateSchema = z
  .object({
    name: z.string().min(2).max(100),
    ownerId: snowflake,
    textChannels: z.array(channelSpec).default(['general']),
    voiceChannels: z.array(channelSpec).default(['General']),
    everyonePermissions: z.union([z.string().regex(/^\d+$/), z.number().int().min(0)]).optional(),
    roles: z.array(roleSpec).default([]),
    members: z.array(snowflake).default([]),
    locale: z.string().default('en-US'),
  })
  .strict();

const optionValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const slashCommandSchema = z
  .object({
    applicationId: snowflake,
    userId: snowflake,
    channelId: snowflake,
    name: z.string().min(1).max(32),
    subcommandGroup: z.string().min(1).max(32).optional(),
    subcommand: z.string().min(1).max(32).optional(),
    options: optionValues.default({}),
    locale: z.string().optional(),
    waitFor: waitForSchema.optional(),
  })
  .strict();

export const autocompleteSchema = slashCommandSchema
  .omit({ waitFor: true })
  .extend({ focused: z.string().min(1).max(32), waitFor: waitForSchema.optional() })
  .strict();

export const buttonPressSchema = z
  .object({
    userId: snowflake,
    messageId: snowflake,
    customId: z.string().min(1).max(100),
    locale: z.string().optional(),
    waitFor: waitForSchema.optional(),
  })
  .strict();

export const modalSubmitSchema = z
  .object({
    interactionId: snowflake,
    fields: z.record(z.string(), z.string().max(4000)).default({}),
    waitFor: waitForSchema.optional(),
  })
  .strict();

export const gatewayDropSchema = z
  .object({
    botUserId: snowflake,
    mode: z.enum(['close', 'kill']).default('kill'),
    code: z.number().int().min(1000).max(4999).default(GatewayCloseCode.UnknownError),
  })
  .strict();

export const latencySchema = z
  .object({
    restMs: z.number().int().min(0).max(60000).optional(),
    gatewayMs: z.number().int().min(0).max(60000).optional(),
  })
  .strict();

export const rateLimitFaultSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    route: z.string().startsWith('/'),
    count: z.number().int().min(1).max(1000).default(1),
    retryAfterMs: z.number().int().min(1).max(600000).default(1000),
    global: z.boolean().default(false),
  })
  .strict();

export const userMessageSchema = z
  .object({ userId: snowflake, channelId: snowflake, content: z.string().min(1).max(2000) })
  .strict();

/** Ids of a created application and its bot, with its credentials. */
export interface ApplicationCreated {
  applicationId: string;
  botUserId: string;
  clientId: string;
  token: string;
  clientSecret: string;
}

/** Ids of a created guild. */
export interface GuildCreated {
  guildId: string;
  everyoneRoleId: string;
  textChannelIds: string[];
  voiceChannelIds: string[];
  /** Channel id by channel name (text and voice). */
  channels: Record<string, string>;
  /** Role id by role name. */
  roles: Record<string, string>;
}

/** A voice state as the control API reports it. */
export interface VoiceStateView {
  guildId: string;
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new DiscordSandboxError(DiscordSandboxErrorCode.InvalidInput, detail);
  }
  return result.data;
}

const notFound = (what: string) => new DiscordSandboxError(DiscordSandboxErrorCode.NotFound, what);

/**
 * The sandbox control API, in process. Each method validates its input (throws
 * {@link DiscordSandboxError} `invalid_input`/`not_found`) and mirrors one `/_sandbox` HTTP route.
 */
export class DiscordSandboxControl {
  constructor(
    private readonly core: DiscordCore,
    private readonly oauth: DiscordOAuth2,
  ) {}

  /** Creates an application with its bot user and credentials (token shaped like Discord's). */
  createApplication(input: z.input<typeof applicationCreateSchema> = {}): ApplicationCreated {
    const data = parse(applicationCreateSchema, input);
    const { store } = this.core;
    const botUserId = store.snowflakes.next();
    const username = data.username ?? (data.name.replace(/[^\w.]/g, '').slice(0, 32) || 'sandboxbot');
    store.users.set(botUserId, {
      id: botUserId,
      username,
      globalName: null,
      bot: true,
      locale: 'en-US',
      email: null,
    });
    const applicationId = botUserId; // Bots created with an app share its id — Resources › Application.
    const token = makeBotToken(botUserId, store.tokenSecret);
    const clientSecret = randomSecret(24);
    const flags = data.privilegedIntents.reduce(
      (f, intent: PrivilegedIntent) => f | PrivilegedIntentFlag[intent],
      0,
    );
    store.applications.set(applicationId, {
      id: applicationId,
      name: data.name,
      botUserId,
      token,
      clientSecret,
      flags,
      redirectUris: data.redirectUris,
      ownerId: data.ownerId ?? null,
    });
    return { applicationId, botUserId, clientId: applicationId, token, clientSecret };
  }

  /** Creates a (human) user; returns its id. */
  createUser(input: z.input<typeof userCreateSchema>): { userId: string } {
    const data = parse(userCreateSchema, input);
    const id = this.core.store.snowflakes.next();
    this.core.store.users.set(id, {
      id,
      username: data.username.toLowerCase(),
      globalName: data.globalName ?? data.username,
      bot: false,
      locale: data.locale,
      email: data.email ?? `${data.username.toLowerCase()}@sandbox.invalid`,
    });
    return { userId: id };
  }

  /** Creates a guild with its owner, text and voice channels, roles and members (bots among them are invited). */
  createGuild(input: z.input<typeof guildCreateSchema>): GuildCreated {
    const data = parse(guildCreateSchema, input);
    const { store } = this.core;
    this.user(data.ownerId);
    const guild = store.createGuild(data.name, data.ownerId);
    guild.preferredLocale = data.locale;
    if (data.everyonePermissions !== undefined)
      guild.roles.get(guild.id)!.permissions = BigInt(data.everyonePermissions);
    const channels: Record<string, string> = {};
    const make = (spec: z.output<typeof channelSpec>, type: number, position: number) => {
      const channelName = typeof spec === 'string' ? spec : spec.name;
      const channel = store.createChannel({
        type,
        guildId: guild.id,
        name: channelName,
        position,
        parentId: null,
        recipientIds: [],
      });
      channels[channelName] = channel.id;
      return channel.id;
    };
    const textChannelIds = data.textChannels.map((c, i) => make(c, ChannelType.GuildText, i));
    const voiceChannelIds = data.voiceChannels.map((c, i) => make(c, ChannelType.GuildVoice, i));
    guild.systemChannelId = textChannelIds[0] ?? null;
    const roles: Record<string, string> = {};
    data.roles.forEach((spec, i) => {
      const id = store.snowflakes.next();
      guild.roles.set(id, {
        id,
        name: spec.name,
        permissions: BigInt(spec.permissions),
        position: i + 1,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        botId: null,
      });
      roles[spec.name] = id;
    });
    const memberIds = [data.ownerId, ...data.members.filter((m) => m !== data.ownerId)];
    for (const userId of memberIds) {
      this.user(userId);
      const memberRoles = data.roles.filter((r) => r.members.includes(userId)).map((r) => roles[r.name]);
      this.core.addMember(guild, userId, memberRoles);
    }
    return { guildId: guild.id, everyoneRoleId: guild.id, textChannelIds, voiceChannelIds, channels, roles };
  }

  /** Adds a user or bot to a guild; for a bot this is the invite (member + GUILD_CREATE to its sessions). */
  addMember(guildId: string, userId: string, roleIds: string[] = []): void {
    const guild = this.guild(guildId);
    this.user(userId);
    for (const roleId of roleIds) if (!guild.roles.has(roleId)) throw notFound(`role ${roleId}`);
    this.core.addMember(guild, userId, roleIds);
  }

  /** Removes a member; a removed bot gets GUILD_DELETE. */
  removeMember(guildId: string, userId: string): void {
    const guild = this.guild(guildId);
    if (!guild.members.has(userId)) throw notFound(`member ${userId} of guild ${guildId}`);
    this.core.removeMember(guild, userId);
  }

  /**
   * Moves a user into a voice channel (or out, with `channelId` null); bots of the guild with the
   * GUILD_VOICE_STATES intent receive VOICE_STATE_UPDATE.
   */
  moveVoice(guildId: string, userId: string, channelId: string | null): VoiceStateView | null {
    const guild = this.guild(guildId);
    if (!guild.members.has(parse(snowflake, userId))) throw notFound(`member ${userId} of guild ${guildId}`);
    if (channelId !== null) {
      const channel = this.core.store.channels.get(channelId);
      if (
        !channel ||
        channel.guildId !== guild.id ||
        (channel.type !== ChannelType.GuildVoice && channel.type !== ChannelType.GuildStageVoice)
      ) {
        throw notFound(`voice channel ${channelId} in guild ${guildId}`);
      }
    }
    const previous = guild.voiceStates.get(userId);
    const sessionId = previous?.sessionId ?? randomSecret(16);
    this.core.gateway.setVoiceState(guild, userId, channelId, sessionId, {
      selfMute: false,
      selfDeaf: false,
    });
    return this.getVoiceState(guildId, userId);
  }

  /** A user's voice state in a guild, or null when not in voice. */
  getVoiceState(guildId: string, userId: string): VoiceStateView | null {
    const state = this.guild(guildId).voiceStates.get(userId);
    return state
      ? {
          guildId,
          userId,
          channelId: state.channelId,
          sessionId: state.sessionId,
          selfMute: state.selfMute,
          selfDeaf: state.selfDeaf,
        }
      : null;
  }

  /**
   * Invokes a registered slash command as a user in a guild channel (or DM) and returns what the
   * application answered once `waitFor` is met (default: the initial response or the deadline).
   */
  async invokeSlashCommand(input: z.input<typeof slashCommandSchema>): Promise<InteractionResult> {
    const data = parse(slashCommandSchema, input);
    const { app, user, channel, guild } = this.interactionContext(
      data.applicationId,
      data.userId,
      data.channelId,
    );
    const command = this.core.findCommand(app, guild?.id ?? null, data.name);
    if (!command) throw notFound(`command /${data.name} of application ${app.id}`);
    const commandData = this.core.interactions.buildCommandData(
      command,
      guild,
      { group: data.subcommandGroup, subcommand: data.subcommand },
      data.options,
    );
    const record = this.core.interactions.create({
      type: InteractionType.ApplicationCommand,
      app,
      user,
      channel,
      data: commandData,
      locale: data.locale,
      commandName: command.name,
    });
    return this.core.interactions.waitFor(record, data.waitFor as InteractionWaitFor | undefined);
  }

  /** Sends an autocomplete interaction for the `focused` option; the result carries `choices`. */
  async invokeAutocomplete(input: z.input<typeof autocompleteSchema>): Promise<InteractionResult> {
    const data = parse(autocompleteSchema, input);
    const { app, user, channel, guild } = this.interactionContext(
      data.applicationId,
      data.userId,
      data.channelId,
    );
    const command = this.core.findCommand(app, guild?.id ?? null, data.name);
    if (!command) throw notFound(`command /${data.name} of application ${app.id}`);
    const commandData = this.core.interactions.buildCommandData(
      command,
      guild,
      { group: data.subcommandGroup, subcommand: data.subcommand },
      { [data.focused]: '', ...data.options },
      data.focused,
    );
    const record = this.core.interactions.create({
      type: InteractionType.ApplicationCommandAutocomplete,
      app,
      user,
      channel,
      data: commandData,
      locale: data.locale,
      commandName: command.name,
    });
    return this.core.interactions.waitFor(record, data.waitFor as InteractionWaitFor | undefined);
  }

  /** Presses a button (by `custom_id`) on a message the application sent; returns what it answered. */
  async pressButton(input: z.input<typeof buttonPressSchema>): Promise<InteractionResult> {
    const data = parse(buttonPressSchema, input);
    const message = this.core.store.findMessage(data.messageId);
    if (!message) throw notFound(`message ${data.messageId}`);
    const app = message.applicationId
      ? this.core.store.applications.get(message.applicationId)
      : this.core.store.applicationByBot(message.authorId);
    if (!app)
      throw new DiscordSandboxError(
        DiscordSandboxErrorCode.InvalidInput,
        'message was not sent by an application',
      );
    const button = findComponent(message.components, data.customId);
    if (!button || button.type !== 2)
      throw notFound(`button "${data.customId}" on message ${data.messageId}`);
    if (button.disabled === true)
      throw new DiscordSandboxError(
        DiscordSandboxErrorCode.Conflict,
        `button "${data.customId}" is disabled`,
      );
    const { user, channel } = this.interactionContext(app.id, data.userId, message.channelId);
    const record = this.core.interactions.create({
      type: InteractionType.MessageComponent,
      app,
      user,
      channel,
      data: { custom_id: data.customId, component_type: 2 },
      message,
      locale: data.locale,
    });
    return this.core.interactions.waitFor(record, data.waitFor as InteractionWaitFor | undefined);
  }

  /**
   * Submits the modal an interaction answered with (type 9 callback), as the same user in the same
   * channel, with text input values by `custom_id` — Interactions › Receiving and Responding ›
   * Modal Submit Data Structure. Throws when that interaction showed no modal or a field is unknown.
   */
  async submitModal(input: z.input<typeof modalSubmitSchema>): Promise<InteractionResult> {
    const data = parse(modalSubmitSchema, input);
    const origin = this.core.interactions.get(data.interactionId);
    if (!origin?.modal) throw notFound(`modal shown by interaction ${data.interactionId}`);
    const inputs = collectCustomIds(origin.modal.components);
    for (const id of Object.keys(data.fields)) {
      if (!inputs.includes(id))
        throw new DiscordSandboxError(
          DiscordSandboxErrorCode.InvalidInput,
          `modal has no text input "${id}"`,
        );
    }
    const { app, user, channel } = this.interactionContext(origin.app.id, origin.userId, origin.channel.id);
    const message = origin.componentMessageId
      ? this.core.store.findMessage(origin.componentMessageId)
      : undefined;
    const record = this.core.interactions.create({
      type: InteractionType.ModalSubmit,
      app,
      user,
      channel,
      data: {
        custom_id: origin.modal.custom_id,
        components: Object.entries(data.fields).map(([customId, value]) => ({
          type: 1,
          components: [{ type: 4, custom_id: customId, value }],
        })),
      },
      ...(message ? { message } : {}),
    });
    return this.core.interactions.waitFor(record, data.waitFor as InteractionWaitFor | undefined);
  }

  /** A user posts a message in a guild channel or DM (dispatches MESSAGE_CREATE). Returns the message id. */
  postUserMessage(input: z.input<typeof userMessageSchema>): { messageId: string } {
    const data = parse(userMessageSchema, input);
    const channel = this.core.store.channels.get(data.channelId);
    if (!channel) throw notFound(`channel ${data.channelId}`);
    if (!this.core.store.canAccessChannel(this.user(data.userId).id, channel))
      throw notFound(`channel ${data.channelId} for user ${data.userId}`);
    return { messageId: this.core.postMessage(channel, data.userId, { content: data.content }).id };
  }

  /** Opens (or returns) the DM channel between a user and a bot, as `POST /users/@me/channels` does. */
  openDirectMessage(userId: string, botUserId: string): { channelId: string } {
    this.user(userId);
    if (!this.user(botUserId).bot)
      throw new DiscordSandboxError(DiscordSandboxErrorCode.InvalidInput, `${botUserId} is not a bot`);
    return { channelId: this.core.store.dmChannel(userId, botUserId).id };
  }

  /** Messages of a channel (oldest first), ephemeral ones included, as API message objects. */
  listMessages(channelId: string): Record<string, unknown>[] {
    if (!this.core.store.channels.has(channelId)) throw notFound(`channel ${channelId}`);
    return (this.core.store.messages.get(channelId) ?? [])
      .filter((m) => !m.deleted)
      .map((m) => this.core.store.messageJson(m));
  }

  /** Messages of the DM between a user and a bot (oldest first). */
  listDirectMessages(userId: string, botUserId: string): Record<string, unknown>[] {
    this.user(userId);
    this.user(botUserId);
    return this.listMessages(this.core.store.dmChannel(userId, botUserId).id);
  }

  /** Registered commands of an application (`guildId` for guild commands). */
  listCommands(applicationId: string, guildId?: string): unknown[] {
    if (!this.core.store.applications.has(applicationId)) throw notFound(`application ${applicationId}`);
    return [...this.core.commandList(applicationId, guildId ?? 'global')];
  }

  /** Signs a user in for the OAuth2 consent page (null signs out). */
  setOAuthUser(userId: string | null): void {
    if (userId !== null) this.user(userId);
    this.core.oauthUserId = userId;
  }

  /** Adds a bot to a guild as the OAuth2 invite does (managed role with `permissions`). */
  inviteBot(guildId: string, applicationId: string, permissions: string | bigint = 0n): void {
    this.guild(guildId);
    if (!this.core.store.applications.has(applicationId)) throw notFound(`application ${applicationId}`);
    this.oauth.addBot(guildId, applicationId, BigInt(permissions));
  }

  /** Fault: closes a bot's gateway connections with `code`, or kills the TCP socket (no close frame). Returns how many. */
  dropGateway(input: z.input<typeof gatewayDropSchema>): { dropped: number } {
    const data = parse(gatewayDropSchema, input);
    const dropped = this.core.gateway.drop(
      data.botUserId,
      data.mode === 'kill' ? { kind: 'kill' } : { kind: 'close', code: data.code },
    );
    return { dropped };
  }

  /** Fault: op 7 Reconnect to the bot's connections (it should resume on a new connection). */
  requestReconnect(botUserId: string): { told: number } {
    this.user(botUserId);
    return { told: this.core.gateway.requestReconnect(botUserId) };
  }

  /** Fault: op 9 Invalid Session to the bot's connections; `resumable` is the `d` flag. */
  invalidateSession(botUserId: string, resumable: boolean): { told: number } {
    this.user(botUserId);
    return { told: this.core.gateway.invalidateSession(botUserId, resumable) };
  }

  /** Fault: the bot's next `count` resumes (default 1) get op 9 Invalid Session d:false (it must identify again). */
  refuseNextResume(botUserId: string, count = 1): void {
    this.user(botUserId);
    if (!Number.isInteger(count) || count < 1)
      throw new DiscordSandboxError(
        DiscordSandboxErrorCode.InvalidInput,
        'count: must be a positive integer',
      );
    this.core.gateway.refuseResumes(botUserId, count);
  }

  /** How many times an application's bot identified (each costs one of `session_start_limit`). */
  identifyCount(applicationId: string): number {
    if (!this.core.store.applications.has(applicationId)) throw notFound(`application ${applicationId}`);
    return this.core.gateway.identifyCount(applicationId);
  }

  /** Fault: adds latency (ms) to every REST response and/or every gateway message sent. */
  setLatency(input: z.input<typeof latencySchema>): void {
    const data = parse(latencySchema, input);
    if (data.restMs !== undefined) this.core.restLatencyMs = data.restMs;
    if (data.gatewayMs !== undefined) this.core.gateway.latencyMs = data.gatewayMs;
  }

  /** Fault: the next `count` requests on `METHOD route` (template, e.g. `/channels/:channel_id/messages`) get 429. */
  forceRateLimit(input: z.input<typeof rateLimitFaultSchema>): void {
    const data = parse(rateLimitFaultSchema, input);
    this.core.rateLimiter.force({
      method: data.method,
      route: data.route,
      remaining: data.count,
      retryAfterMs: data.retryAfterMs,
      global: data.global,
    });
  }

  /** Whether a bot has a connected gateway session. */
  isConnected(botUserId: string): boolean {
    return this.core.gateway.connectedSessions(botUserId).length > 0;
  }

  private interactionContext(applicationId: string, userId: string, channelId: string) {
    const app = this.core.store.applications.get(applicationId);
    if (!app) throw notFound(`application ${applicationId}`);
    const user = this.user(userId);
    const channel = this.core.store.channels.get(channelId);
    if (!channel) throw notFound(`channel ${channelId}`);
    const guild = channel.guildId ? this.guild(channel.guildId) : null;
    if (guild && !guild.members.has(user.id)) throw notFound(`member ${user.id} of guild ${guild.id}`);
    if (guild && !guild.members.has(app.botUserId))
      throw notFound(`application ${app.id} in guild ${guild.id}`);
    if (!guild && !(channel.recipientIds.includes(user.id) && channel.recipientIds.includes(app.botUserId))) {
      throw notFound(`DM channel ${channelId} between user ${user.id} and application ${app.id}`);
    }
    return { app, user, channel, guild };
  }

  private guild(guildId: string): GuildRecord {
    const guild = this.core.store.guilds.get(guildId);
    if (!guild) throw notFound(`guild ${guildId}`);
    return guild;
  }

  private user(userId: string) {
    try {
      return this.core.store.requireUser(userId);
    } catch (error) {
      if (error instanceof DiscordApiError) throw notFound(`user ${userId}`);
      throw error;
    }
  }
}

function findComponent(components: unknown[], customId: string): Record<string, unknown> | undefined {
  for (const c of components) {
    if (typeof c !== 'object' || c === null) continue;
    const component = c as Record<string, unknown>;
    if (component.custom_id === customId) return component;
    if (Array.isArray(component.components)) {
      const nested = findComponent(component.components, customId);
      if (nested) return nested;
    }
  }
  return undefined;
}

function collectCustomIds(components: unknown): string[] {
  if (!Array.isArray(components)) return [];
  const ids: string[] = [];
  for (const c of components) {
    if (typeof c !== 'object' || c === null) continue;
    const component = c as Record<string, unknown>;
    if (typeof component.custom_id === 'string') ids.push(component.custom_id);
    ids.push(...collectCustomIds(component.components));
    if (component.component) ids.push(...collectCustomIds([component.component]));
  }
  return ids;
}
