/** Public surface of the controller's Discord client feature. */
export { DiscordModule } from './discord.module';
export { discordEnvShape, DEFAULT_DISCORD_API_URL, type DiscordEnv } from './discord.config';
export { necordOptionsFromEnv } from './discord-client.options';
export { DiscordReadiness, type DiscordReadinessState } from './discord-readiness';
export {
  checkInputLimits,
  COMMAND_STRING_OPTION_MAX_LENGTH,
  optionsFingerprint,
} from './command-input-limits';
export {
  AUTOCOMPLETE_CHOICE_MAX_LENGTH,
  AUTOCOMPLETE_MAX_CHOICES,
  type AutocompleteChoice,
  choiceName,
  respondWithChoices,
} from './autocomplete-choices';
export { accessActorOf, accessRefusalStatus, poolsActorOf, poolsRefusalStatus } from './command-refusals';
export {
  AUTO_DEFER_AFTER_MS,
  CommandReplyError,
  InteractionResponder,
  type RunOptions,
  type CommandName,
  type CommandReply,
  type CommandStatus,
  type InteractionHandle,
} from './interaction-responder';
