export { DiscordSandbox } from './discord-sandbox';
export type { DiscordSandboxOptions, DiscordSandboxUrls } from './discord-sandbox';
export { DiscordSandboxControl } from './discord-control';
export type { ApplicationCreated, GuildCreated, VoiceStateView } from './discord-control';
export type {
  InteractionAck,
  InteractionEditView,
  InteractionMessageView,
  InteractionResult,
  InteractionWaitFor,
} from './discord-interactions';
export type { RateLimitOptions, RateLimitPolicy } from './discord-rate-limits';
export { DiscordApiError, DiscordSandboxError, DiscordSandboxErrorCode } from './discord-sandbox.exception';
export { GatewayCloseCode, Intent } from './discord-sandbox.constants';
export { SnowflakeGenerator, snowflakeTimestamp } from './snowflake';
