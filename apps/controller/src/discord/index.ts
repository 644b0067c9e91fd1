/** Public surface of the controller's Discord client feature. */
export { DiscordModule } from './discord.module';
export { discordEnvShape, DEFAULT_DISCORD_API_URL, type DiscordEnv } from './discord.config';
export { necordOptionsFromEnv } from './discord-client.options';
export { DiscordReadiness, type DiscordReadinessState } from './discord-readiness';
export {
  CommandReplyError,
  InteractionResponder,
  type CommandName,
  type CommandReply,
  type CommandStatus,
  type InteractionHandle,
} from './interaction-responder';
