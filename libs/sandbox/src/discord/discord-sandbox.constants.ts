/**
 * Protocol constants of the Discord emulator. Every value names the Discord developer docs page
 * it comes from (https://discord.com/developers/docs/...).
 */

/** Discord epoch (2015-01-01T00:00:00Z) in ms — Reference › Snowflakes. */
export const DISCORD_EPOCH_MS = 1420070400000n;

/** Gateway opcodes — Topics › Opcodes and Status Codes › Gateway Opcodes. */
export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

/** Gateway close event codes — Topics › Opcodes and Status Codes › Gateway Close Event Codes. */
export const GatewayCloseCode = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidSeq: 4007,
  RateLimited: 4008,
  SessionTimedOut: 4009,
  InvalidShard: 4010,
  ShardingRequired: 4011,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

/** Reason strings Discord sends with each close code (same docs table, "Description" column). */
export const GatewayCloseReason: Record<number, string> = {
  4000: 'Unknown error.',
  4001: 'Unknown opcode.',
  4002: 'Error while decoding payload.',
  4003: 'Not authenticated.',
  4004: 'Authentication failed.',
  4005: 'Already authenticated.',
  4007: 'Invalid seq.',
  4008: 'Rate limited.',
  4009: 'Session timed out.',
  4010: 'Invalid shard.',
  4011: 'Sharding required.',
  4012: 'Invalid API version.',
  4013: 'Invalid intent(s).',
  4014: 'Disallowed intent(s).',
};

/** Gateway intents — Topics › Gateway › Gateway Intents (bit positions). */
export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildModeration: 1 << 2,
  GuildExpressions: 1 << 3,
  GuildIntegrations: 1 << 4,
  GuildWebhooks: 1 << 5,
  GuildInvites: 1 << 6,
  GuildVoiceStates: 1 << 7,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
  GuildScheduledEvents: 1 << 16,
  AutoModerationConfiguration: 1 << 20,
  AutoModerationExecution: 1 << 21,
  GuildMessagePolls: 1 << 24,
  DirectMessagePolls: 1 << 25,
} as const;

/** Union of every documented intent bit; any other bit closes the gateway with 4013. */
export const ALL_INTENTS = Object.values(Intent).reduce((all, bit) => all | bit, 0);

/** Privileged intents — Topics › Gateway › Privileged Intents. */
export type PrivilegedIntent = 'GuildMembers' | 'GuildPresences' | 'MessageContent';

/**
 * Application flags that enable each privileged intent for an app in fewer than 100 guilds (the
 * `_LIMITED` variants) — Resources › Application › Application Flags.
 */
export const PrivilegedIntentFlag: Record<PrivilegedIntent, number> = {
  GuildPresences: 1 << 13,
  GuildMembers: 1 << 15,
  MessageContent: 1 << 19,
};

/** Application flags for verified apps (the non-limited variants) — same docs table. */
export const VerifiedPrivilegedIntentFlag: Record<PrivilegedIntent, number> = {
  GuildPresences: 1 << 12,
  GuildMembers: 1 << 14,
  MessageContent: 1 << 18,
};

/** Channel types — Resources › Channel › Channel Types. */
export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GuildCategory: 4,
  GuildStageVoice: 13,
} as const;

/** Interaction types — Interactions › Receiving and Responding › Interaction Type. */
export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  MessageComponent: 3,
  ApplicationCommandAutocomplete: 4,
  ModalSubmit: 5,
} as const;

/** Interaction callback types — Interactions › Receiving and Responding › Interaction Callback Type. */
export const InteractionCallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  ApplicationCommandAutocompleteResult: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

/** Application command option types — Interactions › Application Commands › Option Type. */
export const CommandOptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** Message flags — Resources › Message › Message Flags. */
export const MessageFlag = {
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
} as const;

/** Message types — Resources › Message › Message Types. */
export const MessageType = {
  Default: 0,
  Reply: 19,
  ChatInputCommand: 20,
} as const;

/** Permission bits used by the emulator — Topics › Permissions › Bitwise Permission Flags. */
export const Permission = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  UseVad: 1n << 25n,
  UseApplicationCommands: 1n << 31n,
} as const;

/** Every permission bit Discord defines up to bit 50 (PIN_MESSAGES era); owners and admins hold all. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/** A typical @everyone permission set of a new guild (Topics › Permissions › Bitwise Permission Flags). */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permission.CreateInstantInvite |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.Connect |
  Permission.Speak |
  Permission.UseVad |
  Permission.UseApplicationCommands;

/** JSON error codes — Topics › Opcodes and Status Codes › JSON Error Codes. */
export const JsonErrorCode = {
  General: 0,
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownUser: 10013,
  UnknownWebhook: 10015,
  UnknownApplication: 10002,
  UnknownApplicationCommand: 10063,
  UnknownInteraction: 10062,
  MissingAccess: 50001,
  CannotSendEmptyMessage: 50006,
  CannotSendMessagesToUser: 50007,
  MissingPermissions: 50013,
  InvalidFormBody: 50035,
  InvalidWebhookToken: 50027,
  InteractionAlreadyAcknowledged: 40060,
  CannotEditMessageByOtherUser: 50005,
} as const;

/** Gateway version and encoding this emulator speaks — Topics › Gateway › Connecting. */
export const GATEWAY_VERSION = 10;

/** Heartbeat interval Discord announces in Hello (ms) — Topics › Gateway › Hello Event example. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 41250;

/** Initial-response deadline of an interaction — Interactions › Receiving and Responding (3 seconds). */
export const DEFAULT_INTERACTION_DEADLINE_MS = 3000;

/** Interaction tokens stay valid for 15 minutes — Interactions › Receiving and Responding. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60 * 1000;

/** Access tokens of the OAuth2 code grant expire after 7 days — Topics › OAuth2 (expires_in 604800). */
export const OAUTH2_ACCESS_TOKEN_TTL_S = 604800;
