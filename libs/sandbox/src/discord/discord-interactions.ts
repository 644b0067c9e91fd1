import { randomBytes } from 'node:crypto';
import type { ApplicationCommand, CommandOption } from './application-commands';
import {
  CommandOptionType,
  INTERACTION_TOKEN_TTL_MS,
  InteractionCallbackType,
  InteractionType,
  JsonErrorCode,
  MessageFlag,
  MessageType,
} from './discord-sandbox.constants';
import { DiscordApiError, DiscordSandboxError, DiscordSandboxErrorCode } from './discord-sandbox.exception';
import type {
  ApplicationRecord,
  ChannelRecord,
  DiscordStore,
  GuildRecord,
  MessageBody,
  MessageRecord,
  UserRecord,
} from './discord-store';

/** How an interaction was acknowledged (its initial response), as reported by the control API. */
export type InteractionAck = 'reply' | 'deferred' | 'update' | 'deferred-update' | 'modal' | 'autocomplete';

/** What the control API waits for before returning an invoke result. */
export type InteractionWaitFor =
  | 'ack'
  | 'response'
  | { ms: number }
  | { edits?: number; followUps?: number; timeoutMs?: number };

/** A message produced by an interaction response, as the control API reports it. */
export interface InteractionMessageView {
  id: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  ephemeral: boolean;
  loading: boolean;
}

/** One edit of the original response. */
export interface InteractionEditView {
  atMs: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
}

/** What the application answered to an invoked interaction (control API result). */
export interface InteractionResult {
  interactionId: string;
  acknowledged: InteractionAck | null;
  ephemeral: boolean;
  /** Every live message of the interaction: the original response, then follow-ups. */
  messages: InteractionMessageView[];
  original: InteractionMessageView | null;
  edits: InteractionEditView[];
  followUps: InteractionMessageView[];
  /** Autocomplete choices (type 8 callback). */
  choices?: { name: string; value: string | number }[];
  /** Modal shown (type 9 callback). */
  modal?: Record<string, unknown>;
  /** Ms since the interaction was created: ack, first completion of a deferred reply, last edit. */
  timings: { ackMs: number | null; completedMs: number | null; lastEditMs: number | null };
  error?: 'no-ack-within-deadline';
}

/** In-memory interaction with its response history. */
export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  app: ApplicationRecord;
  userId: string;
  channel: ChannelRecord;
  guild: GuildRecord | null;
  createdAt: number;
  ack: InteractionAck | null;
  ackAt: number | null;
  completedAt: number | null;
  expired: boolean;
  originalId: string | null;
  componentMessageId: string | null;
  followUpIds: string[];
  edits: InteractionEditView[];
  choices?: { name: string; value: string | number }[];
  modal?: Record<string, unknown>;
  waiters: Set<() => void>;
  deadlineTimer: NodeJS.Timeout | null;
  commandName: string | null;
}

/** Values of slash command options given to the control API, by option name. */
export type OptionValues = Record<string, string | number | boolean>;

/** Callbacks the interaction engine uses to publish gateway events. */
export interface InteractionHooks {
  dispatchInteraction(app: ApplicationRecord, payload: Record<string, unknown>, guildId: string | null): void;
  messageCreated(message: MessageRecord): void;
  messageUpdated(message: MessageRecord): void;
  messageDeleted(message: MessageRecord): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the fields of a message body the emulator keeps, validating lengths (Resources › Message › Create Message). */
export function readMessageBody(raw: unknown, requireContent: boolean): MessageBody {
  if (!isRecord(raw))
    throw DiscordApiError.invalidFormBody({
      _errors: [{ code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' }],
    });
  const body: MessageBody = {};
  if (raw.content !== undefined && raw.content !== null) {
    if (typeof raw.content !== 'string')
      throw DiscordApiError.invalidFormBody({
        content: { _errors: [{ code: 'BASE_TYPE_STRING', message: 'Must be a string.' }] },
      });
    if (raw.content.length > 2000) {
      throw DiscordApiError.invalidFormBody({
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      });
    }
    body.content = raw.content;
  }
  if (Array.isArray(raw.embeds)) {
    if (raw.embeds.length > 10)
      throw DiscordApiError.invalidFormBody({
        embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] },
      });
    body.embeds = raw.embeds;
  }
  if (Array.isArray(raw.components)) body.components = raw.components;
  if (Array.isArray(raw.attachments)) body.attachments = raw.attachments;
  if (typeof raw.flags === 'number') body.flags = raw.flags;
  if (typeof raw.tts === 'boolean') body.tts = raw.tts;
  const empty =
    !body.content && !body.embeds?.length && !body.components?.length && !body.attachments?.length;
  if (requireContent && empty) {
    throw new DiscordApiError(400, JsonErrorCode.CannotSendEmptyMessage, 'Cannot send an empty message');
  }
  return body;
}

/**
 * Interactions — Interactions › Receiving and Responding: creation of INTERACTION_CREATE payloads,
 * the initial response callback (types 4–9, `with_response`, 3 s deadline → 10062, second ack →
 * 40060), and the interaction webhook (follow-ups and @original edits valid 15 minutes, then 50027).
 */
export class DiscordInteractions {
  private readonly interactions = new Map<string, InteractionRecord>();
  private closed = false;

  constructor(
    private readonly store: DiscordStore,
    private readonly hooks: InteractionHooks,
    private readonly deadlineMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** An interaction by id (for modal submits that follow a modal). */
  get(id: string): InteractionRecord | undefined {
    return this.interactions.get(id);
  }

  /** Clears every deadline timer. */
  close(): void {
    this.closed = true;
    for (const record of this.interactions.values()) {
      if (record.deadlineTimer) clearTimeout(record.deadlineTimer);
      record.deadlineTimer = null;
      for (const wake of record.waiters) wake();
    }
  }

  /**
   * Builds the options array and `resolved` map of a chat input interaction from option values —
   * Interactions › Receiving and Responding › Application Command Interaction Data Option Structure
   * and Resolved Data Structure.
   */
  buildCommandData(
    command: ApplicationCommand,
    guild: GuildRecord | null,
    path: { group?: string; subcommand?: string },
    values: OptionValues,
    focused?: string,
  ): Record<string, unknown> {
    const resolved: Record<string, Record<string, unknown>> = {};
    let defs = command.options ?? [];
    const wrap: { type: number; name: string }[] = [];
    if (path.group) {
      const group = defs.find((o) => o.type === CommandOptionType.SubcommandGroup && o.name === path.group);
      if (!group) throw invalid(`Unknown subcommand group "${path.group}" of /${command.name}`);
      wrap.push({ type: CommandOptionType.SubcommandGroup, name: group.name });
      defs = group.options ?? [];
    }
    if (path.subcommand) {
      const sub = defs.find((o) => o.type === CommandOptionType.Subcommand && o.name === path.subcommand);
      if (!sub) throw invalid(`Unknown subcommand "${path.subcommand}" of /${command.name}`);
      wrap.push({ type: CommandOptionType.Subcommand, name: sub.name });
      defs = sub.options ?? [];
    } else if (
      defs.some(
        (o) => o.type === CommandOptionType.Subcommand || o.type === CommandOptionType.SubcommandGroup,
      )
    ) {
      throw invalid(`/${command.name} needs a subcommand`);
    }
    const leaf = Object.entries(values).map(([name, value]) => {
      const def = defs.find((o) => o.name === name);
      if (!def) throw invalid(`Unknown option "${name}" of /${command.name}`);
      const isFocused = name === focused;
      return this.optionValue(def, value, guild, resolved, isFocused);
    });
    for (const def of defs) {
      if (def.required && !(def.name in values) && focused === undefined)
        throw invalid(`Option "${def.name}" is required`);
    }
    let options: Record<string, unknown>[] = leaf;
    for (const level of wrap.reverse()) options = [{ type: level.type, name: level.name, options }];
    return {
      id: command.id,
      name: command.name,
      type: command.type,
      ...(options.length > 0 ? { options } : {}),
      ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
      ...(command.guild_id ? { guild_id: command.guild_id } : {}),
    };
  }

  private optionValue(
    def: CommandOption,
    value: string | number | boolean,
    guild: GuildRecord | null,
    resolved: Record<string, Record<string, unknown>>,
    focused: boolean,
  ): Record<string, unknown> {
    const base = { name: def.name, type: def.type, ...(focused ? { focused: true } : {}) };
    if (focused) return { ...base, value: String(value) };
    if (def.choices && !def.choices.some((c) => c.value === value)) {
      throw invalid(
        `Option "${def.name}" must be one of ${def.choices.map((c) => JSON.stringify(c.value)).join(', ')}`,
      );
    }
    const addUser = (id: string) => {
      const user = this.store.users.get(id);
      if (!user) return false;
      (resolved.users ??= {})[id] = this.store.userJson(user);
      const member = guild?.members.get(id);
      if (guild && member) {
        const { user: _user, ...rest } = this.store.memberJson(guild, member, true);
        (resolved.members ??= {})[id] = rest;
      }
      return true;
    };
    switch (def.type) {
      case CommandOptionType.String:
        return { ...base, value: String(value) };
      case CommandOptionType.Integer:
      case CommandOptionType.Number: {
        const n = Number(value);
        if (!Number.isFinite(n) || (def.type === CommandOptionType.Integer && !Number.isInteger(n))) {
          throw invalid(
            `Option "${def.name}" must be a ${def.type === CommandOptionType.Integer ? 'integer' : 'number'}`,
          );
        }
        return { ...base, value: n };
      }
      case CommandOptionType.Boolean:
        return { ...base, value: value === true || value === 'true' };
      case CommandOptionType.User:
        if (!addUser(String(value))) throw invalid(`Option "${def.name}": unknown user ${String(value)}`);
        return { ...base, value: String(value) };
      case CommandOptionType.Channel: {
        const channel = this.store.channels.get(String(value));
        if (!channel || channel.guildId !== guild?.id)
          throw invalid(`Option "${def.name}": unknown channel ${String(value)}`);
        const { id, name, type, parent_id } = this.store.channelJson(channel);
        (resolved.channels ??= {})[channel.id] = {
          id,
          name,
          type,
          parent_id,
          permissions: guild ? this.store.permissionsOf(guild, guild.ownerId).toString() : '0',
        };
        return { ...base, value: channel.id };
      }
      case CommandOptionType.Role:
      case CommandOptionType.Mentionable: {
        const role = guild?.roles.get(String(value));
        if (role) {
          (resolved.roles ??= {})[role.id] = this.store.roleJson(role);
          return { ...base, value: role.id };
        }
        if (def.type === CommandOptionType.Mentionable && addUser(String(value)))
          return { ...base, value: String(value) };
        throw invalid(
          `Option "${def.name}": unknown ${def.type === CommandOptionType.Role ? 'role' : 'user or role'} ${String(value)}`,
        );
      }
      default:
        throw invalid(`Option "${def.name}": type ${def.type} cannot be invoked from the sandbox`);
    }
  }

  /**
   * Creates an interaction and dispatches INTERACTION_CREATE with the fields of Interactions ›
   * Receiving and Responding › Interaction Object (`entitlements`, `member`/`user`,
   * `app_permissions`, `locale`, `guild_locale`, `token`, `version: 1`, `authorizing_integration_owners`,
   * `context`, `channel`, `attachment_size_limit`).
   */
  create(input: {
    type: number;
    app: ApplicationRecord;
    user: UserRecord;
    channel: ChannelRecord;
    data: Record<string, unknown>;
    message?: MessageRecord;
    locale?: string;
    commandName?: string;
  }): InteractionRecord {
    const { app, user, channel } = input;
    const guild = channel.guildId ? this.store.requireGuild(channel.guildId) : null;
    const record: InteractionRecord = {
      id: this.store.snowflakes.next(),
      token: `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`,
      type: input.type,
      app,
      userId: user.id,
      channel,
      guild,
      createdAt: this.now(),
      ack: null,
      ackAt: null,
      completedAt: null,
      expired: false,
      originalId: null,
      componentMessageId: input.message?.id ?? null,
      followUpIds: [],
      edits: [],
      waiters: new Set(),
      deadlineTimer: null,
      commandName: input.commandName ?? null,
    };
    this.interactions.set(record.id, record);
    const payload: Record<string, unknown> = {
      id: record.id,
      application_id: app.id,
      type: input.type,
      data: input.data,
      channel: {
        ...this.store.channelJson(channel, app.botUserId),
        permissions: guild ? this.store.permissionsOf(guild, user.id).toString() : undefined,
      },
      channel_id: channel.id,
      token: record.token,
      version: 1,
      app_permissions: guild ? this.store.permissionsOf(guild, app.botUserId).toString() : '0',
      locale: input.locale ?? user.locale,
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
    };
    if (input.message) payload.message = this.store.messageJson(input.message);
    if (guild) {
      const member = guild.members.get(user.id);
      if (!member) throw invalid(`User ${user.id} is not a member of guild ${guild.id}`);
      payload.guild = { id: guild.id, locale: guild.preferredLocale, features: [] };
      payload.guild_id = guild.id;
      payload.guild_locale = guild.preferredLocale;
      payload.member = this.store.memberJson(guild, member, true);
      payload.authorizing_integration_owners = { '0': guild.id };
      payload.context = 0;
    } else {
      payload.user = this.store.userJson(user);
      // In a bot DM the GUILD_INSTALL owner is "0" — Interactions › Receiving and Responding › Authorizing Integration Owners Object.
      payload.authorizing_integration_owners = { '0': '0' };
      payload.context = 1;
    }
    record.deadlineTimer = setTimeout(() => {
      record.deadlineTimer = null;
      if (!record.ack) {
        record.expired = true;
        this.notify(record);
      }
    }, this.deadlineMs);
    this.hooks.dispatchInteraction(app, payload, guild?.id ?? null);
    return record;
  }

  /**
   * `POST /interactions/{id}/{token}/callback` — Interactions › Receiving and Responding › Create
   * Interaction Response. Returns null for 204 or the Interaction Callback Response object when
   * `with_response=true`.
   */
  callback(id: string, token: string, body: unknown, withResponse: boolean): Record<string, unknown> | null {
    const record = this.interactions.get(id);
    if (
      !record ||
      record.token !== token ||
      record.expired ||
      (!record.ack && this.now() - record.createdAt > this.deadlineMs)
    ) {
      if (record && !record.ack) {
        record.expired = true;
        this.notify(record);
      }
      throw new DiscordApiError(404, JsonErrorCode.UnknownInteraction, 'Unknown interaction');
    }
    if (record.ack) {
      throw new DiscordApiError(
        400,
        JsonErrorCode.InteractionAlreadyAcknowledged,
        'Interaction has already been acknowledged.',
      );
    }
    if (!isRecord(body) || typeof body.type !== 'number') {
      throw DiscordApiError.invalidFormBody({
        type: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
      });
    }
    const data = isRecord(body.data) ? body.data : {};
    const typeError = () =>
      DiscordApiError.invalidFormBody({
        type: {
          _errors: [
            {
              code: 'INTERACTION_RESPONSE_TYPE_INVALID',
              message: 'Interaction response type is invalid for this interaction type',
            },
          ],
        },
      });
    // Types 6 and 7 are for component interactions, and for modal submits from a component — Interactions › Receiving and Responding › Interaction Callback Type.
    const isComponent =
      record.type === InteractionType.MessageComponent ||
      (record.type === InteractionType.ModalSubmit && record.componentMessageId !== null);
    const isAutocomplete = record.type === InteractionType.ApplicationCommandAutocomplete;
    let message: MessageRecord | null = null;
    let ack: InteractionAck;
    switch (body.type) {
      case InteractionCallbackType.ChannelMessageWithSource: {
        if (isAutocomplete) throw typeError();
        const content = readMessageBody(data, true);
        message = this.createOriginal(record, {
          ...content,
          flags: (content.flags ?? 0) & MessageFlag.Ephemeral,
        });
        ack = 'reply';
        break;
      }
      case InteractionCallbackType.DeferredChannelMessageWithSource: {
        if (isAutocomplete) throw typeError();
        const flags = typeof data.flags === 'number' ? data.flags & MessageFlag.Ephemeral : 0;
        message = this.createOriginal(record, { flags: flags | MessageFlag.Loading });
        ack = 'deferred';
        break;
      }
      case InteractionCallbackType.DeferredUpdateMessage:
        if (!isComponent) throw typeError();
        ack = 'deferred-update';
        break;
      case InteractionCallbackType.UpdateMessage: {
        if (!isComponent) throw typeError();
        const target = record.componentMessageId
          ? this.store.findMessage(record.componentMessageId)
          : undefined;
        if (!target) throw DiscordApiError.unknown(JsonErrorCode.UnknownMessage, 'Message');
        message = this.store.editMessage(target, readMessageBody(data, false));
        this.hooks.messageUpdated(message);
        ack = 'update';
        break;
      }
      case InteractionCallbackType.ApplicationCommandAutocompleteResult: {
        if (!isAutocomplete) throw typeError();
        const choices = Array.isArray(data.choices)
          ? (data.choices as { name: string; value: string | number }[])
          : [];
        if (choices.length > 25) {
          throw DiscordApiError.invalidFormBody({
            data: {
              choices: {
                _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }],
              },
            },
          });
        }
        record.choices = choices;
        ack = 'autocomplete';
        break;
      }
      case InteractionCallbackType.Modal:
        if (isAutocomplete || record.type === InteractionType.ModalSubmit) throw typeError();
        if (typeof data.custom_id !== 'string' || typeof data.title !== 'string') {
          throw DiscordApiError.invalidFormBody({
            data: {
              custom_id: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
            },
          });
        }
        record.modal = data;
        ack = 'modal';
        break;
      default:
        throw typeError();
    }
    record.ack = ack;
    record.ackAt = this.now();
    if (ack !== 'deferred') record.completedAt = record.ackAt;
    if (record.deadlineTimer) clearTimeout(record.deadlineTimer);
    record.deadlineTimer = null;
    this.notify(record);
    if (!withResponse) return null;
    // Interaction Callback Response Object — Interactions › Receiving and Responding.
    return {
      interaction: {
        id: record.id,
        type: record.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlag.Loading) !== 0,
              response_message_ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: { type: body.type, ...(message ? { message: this.store.messageJson(message) } : {}) },
    };
  }

  private createOriginal(record: InteractionRecord, body: MessageBody): MessageRecord {
    const message = this.store.createMessage(record.channel, record.app.botUserId, body, {
      type:
        record.type === InteractionType.ApplicationCommand
          ? MessageType.ChatInputCommand
          : MessageType.Default,
      webhookId: record.app.id,
      applicationId: record.app.id,
      interactionMetadata: {
        id: record.id,
        type: record.type,
        user: this.store.userJson(this.store.requireUser(record.userId)),
        authorizing_integration_owners: record.guild ? { '0': record.guild.id } : { '0': '0' },
        ...(record.commandName ? { name: record.commandName } : {}),
      },
    });
    record.originalId = message.id;
    this.hooks.messageCreated(message);
    return message;
  }

  /** Finds the interaction behind an interaction webhook; 10015 unknown, 50027 after 15 minutes. */
  private webhookRecord(appId: string, token: string): InteractionRecord {
    for (const record of this.interactions.values()) {
      if (record.app.id !== appId || record.token !== token) continue;
      if (this.now() - record.createdAt > INTERACTION_TOKEN_TTL_MS) {
        throw new DiscordApiError(401, JsonErrorCode.InvalidWebhookToken, 'Invalid Webhook Token');
      }
      if (!record.ack) throw DiscordApiError.unknown(JsonErrorCode.UnknownWebhook, 'Webhook');
      return record;
    }
    throw DiscordApiError.unknown(JsonErrorCode.UnknownWebhook, 'Webhook');
  }

  /** Whether an app id + token pair belongs to an interaction (interaction webhook) at all. */
  isInteractionWebhook(appId: string, token: string): boolean {
    for (const record of this.interactions.values())
      if (record.app.id === appId && record.token === token) return true;
    return false;
  }

  private webhookMessage(record: InteractionRecord, messageId: string): MessageRecord {
    const id = messageId === '@original' ? (record.originalId ?? record.componentMessageId) : messageId;
    const owned =
      id !== null &&
      (id === record.originalId || id === record.componentMessageId || record.followUpIds.includes(id));
    const message = owned ? this.store.findMessage(id) : undefined;
    if (!message) throw DiscordApiError.unknown(JsonErrorCode.UnknownMessage, 'Message');
    return message;
  }

  /**
   * `POST /webhooks/{app}/{token}` (Create Followup Message). A follow-up to a deferred reply that
   * is still loading completes that reply instead of posting a new message, as Discord does.
   */
  followUp(appId: string, token: string, raw: unknown): Record<string, unknown> {
    const record = this.webhookRecord(appId, token);
    const body = readMessageBody(raw, true);
    const original = record.originalId ? this.store.findMessage(record.originalId) : undefined;
    if (original && (original.flags & MessageFlag.Loading) !== 0) {
      this.completeOriginal(record, original, { ...body, flags: original.flags & MessageFlag.Ephemeral });
      return this.store.messageJson(original);
    }
    const message = this.store.createMessage(
      record.channel,
      record.app.botUserId,
      { ...body, flags: (body.flags ?? 0) & MessageFlag.Ephemeral },
      { webhookId: record.app.id, applicationId: record.app.id, type: MessageType.ChatInputCommand },
    );
    record.followUpIds.push(message.id);
    this.hooks.messageCreated(message);
    this.notify(record);
    return this.store.messageJson(message);
  }

  /** `GET /webhooks/{app}/{token}/messages/{id|@original}`. */
  getMessage(appId: string, token: string, messageId: string): Record<string, unknown> {
    return this.store.messageJson(this.webhookMessage(this.webhookRecord(appId, token), messageId));
  }

  /** `PATCH /webhooks/{app}/{token}/messages/{id|@original}` (Edit Original Interaction Response / Followup). */
  editMessage(appId: string, token: string, messageId: string, raw: unknown): Record<string, unknown> {
    const record = this.webhookRecord(appId, token);
    const message = this.webhookMessage(record, messageId);
    const body = readMessageBody(raw, false);
    const { flags: _ignored, ...rest } = body;
    if (message.id === record.originalId && (message.flags & MessageFlag.Loading) !== 0) {
      this.completeOriginal(record, message, { ...rest, flags: message.flags & MessageFlag.Ephemeral });
    } else {
      this.store.editMessage(message, rest);
      if (message.id === (record.originalId ?? record.componentMessageId))
        record.edits.push(this.editView(record, message));
      this.hooks.messageUpdated(message);
      this.notify(record);
    }
    return this.store.messageJson(message);
  }

  /** `DELETE /webhooks/{app}/{token}/messages/{id|@original}`. */
  deleteMessage(appId: string, token: string, messageId: string): void {
    const record = this.webhookRecord(appId, token);
    const message = this.webhookMessage(record, messageId);
    message.deleted = true;
    this.hooks.messageDeleted(message);
    this.notify(record);
  }

  private completeOriginal(record: InteractionRecord, message: MessageRecord, body: MessageBody): void {
    this.store.editMessage(message, body);
    record.completedAt ??= this.now();
    record.edits.push(this.editView(record, message));
    this.hooks.messageUpdated(message);
    this.notify(record);
  }

  private editView(record: InteractionRecord, message: MessageRecord): InteractionEditView {
    return {
      atMs: this.now() - record.createdAt,
      content: message.content,
      embeds: message.embeds,
      components: message.components,
    };
  }

  private notify(record: InteractionRecord): void {
    for (const wake of [...record.waiters]) wake();
  }

  /** Resolves once `waitFor` is satisfied (or the interaction failed its deadline), then snapshots the result. */
  async waitFor(record: InteractionRecord, waitFor: InteractionWaitFor = 'ack'): Promise<InteractionResult> {
    if (typeof waitFor === 'object' && 'ms' in waitFor) {
      await new Promise((resolve) => setTimeout(resolve, waitFor.ms));
      return this.result(record);
    }
    const done = (): boolean => {
      if (this.closed || record.expired) return true;
      if (!record.ack) return false;
      if (waitFor === 'ack') return true;
      if (waitFor === 'response') return record.completedAt !== null || record.followUpIds.length > 0;
      return (
        record.edits.length >= (waitFor.edits ?? 0) && record.followUpIds.length >= (waitFor.followUps ?? 0)
      );
    };
    const timeoutMs =
      typeof waitFor === 'object'
        ? (waitFor.timeoutMs ?? INTERACTION_TOKEN_TTL_MS)
        : INTERACTION_TOKEN_TTL_MS;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        record.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      record.waiters.add(check);
      check();
    });
    return this.result(record);
  }

  /** Snapshot of an interaction's response for the control API. */
  result(record: InteractionRecord): InteractionResult {
    const view = (id: string | null): InteractionMessageView | null => {
      const m = id ? this.store.findMessage(id) : undefined;
      if (!m) return null;
      return {
        id: m.id,
        content: m.content,
        embeds: m.embeds,
        components: m.components,
        flags: m.flags,
        ephemeral: (m.flags & MessageFlag.Ephemeral) !== 0,
        loading: (m.flags & MessageFlag.Loading) !== 0,
      };
    };
    const originalId =
      record.ack === 'update' || record.ack === 'deferred-update'
        ? record.componentMessageId
        : record.originalId;
    const original = view(originalId);
    const followUps = record.followUpIds.map(view).filter((m): m is InteractionMessageView => m !== null);
    return {
      interactionId: record.id,
      acknowledged: record.ack,
      ephemeral: original?.ephemeral ?? false,
      messages: [...(original ? [original] : []), ...followUps],
      original,
      edits: [...record.edits],
      followUps,
      ...(record.choices ? { choices: record.choices } : {}),
      ...(record.modal ? { modal: record.modal } : {}),
      timings: {
        ackMs: record.ackAt === null ? null : record.ackAt - record.createdAt,
        completedMs: record.completedAt === null ? null : record.completedAt - record.createdAt,
        lastEditMs: record.edits.at(-1)?.atMs ?? null,
      },
      ...(record.expired && !record.ack ? { error: 'no-ack-within-deadline' as const } : {}),
    };
  }
}

function invalid(message: string): DiscordSandboxError {
  return new DiscordSandboxError(DiscordSandboxErrorCode.InvalidInput, message);
}
