import {
  ApplicationCommandOptionType,
  type APIApplicationCommandOption,
  type CommandInteractionOption,
} from 'discord.js';

/** The declared shape of one option, as registered with Discord (necord's command JSON). */
export type DeclaredOption = Pick<APIApplicationCommandOption, 'name' | 'type'> & {
  options?: DeclaredOption[];
  min_length?: number;
  max_length?: number;
  min_value?: number;
  max_value?: number;
};

/**
 * Longest string option any command accepts when its declaration sets no `max_length` (Discord's
 * own ceiling is 6000 — Application Command Option Structure).
 */
export const COMMAND_STRING_OPTION_MAX_LENGTH = 1000;

/**
 * Checks an interaction's option values against the limits the code declares (`min_length`,
 * `max_length`, `min_value`, `max_value`) before any work, plus
 * {@link COMMAND_STRING_OPTION_MAX_LENGTH} for undeclared string lengths. Discord's client
 * enforces the registered limits, but a stale registration or a hand-made request does not.
 * @param given the interaction's option tree (`interaction.options.data`)
 * @param declared the command's declared options (`SlashCommandDiscovery.toJSON().options`)
 * @returns a sentence naming the first option out of bounds, or null when all fit
 */
export function checkInputLimits(
  given: readonly CommandInteractionOption[],
  declared: readonly DeclaredOption[] | undefined,
): string | null {
  for (const option of given) {
    const spec = declared?.find((candidate) => candidate.name === option.name);
    if (
      option.type === ApplicationCommandOptionType.Subcommand ||
      option.type === ApplicationCommandOptionType.SubcommandGroup
    ) {
      const nested = checkInputLimits(option.options ?? [], spec?.options);
      if (nested) return nested;
      continue;
    }
    const { value } = option;
    if (typeof value === 'string') {
      const max = Math.min(
        spec?.max_length ?? COMMAND_STRING_OPTION_MAX_LENGTH,
        COMMAND_STRING_OPTION_MAX_LENGTH,
      );
      const min = spec?.min_length ?? 0;
      if (value.length > max)
        return `The option \`${option.name}\` is too long: at most ${max} characters, please.`;
      if (value.length < min)
        return `The option \`${option.name}\` is too short: at least ${min} characters, please.`;
    } else if (typeof value === 'number') {
      if (spec?.min_value !== undefined && value < spec.min_value) {
        return `The option \`${option.name}\` must be at least ${spec.min_value}.`;
      }
      if (spec?.max_value !== undefined && value > spec.max_value) {
        return `The option \`${option.name}\` must be at most ${spec.max_value}.`;
      }
    }
  }
  return null;
}

/**
 * A stable text of the subcommand path and option values (sorted by name, strings trimmed with
 * runs of whitespace collapsed): the same request gives the same text whatever the order the
 * client sent the options in. Input of the idempotency key.
 */
export function optionsFingerprint(given: readonly CommandInteractionOption[]): string {
  return [...given]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((option) => {
      if (
        option.type === ApplicationCommandOptionType.Subcommand ||
        option.type === ApplicationCommandOptionType.SubcommandGroup
      ) {
        return `${option.name}(${optionsFingerprint(option.options ?? [])})`;
      }
      const value =
        typeof option.value === 'string' ? option.value.trim().replace(/\s+/g, ' ') : option.value;
      return `${option.name}=${JSON.stringify(value ?? null)}`;
    })
    .join(',');
}
