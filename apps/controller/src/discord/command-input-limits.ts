import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';

/**
 * Longest string option value the pipeline lets through to any handler (Discord's own ceiling is
 * 6000 — Application Command Option Structure). Commands check their tighter declared limits
 * themselves, with their own wording (e.g. `/music play query` ≤ 200).
 */
export const COMMAND_STRING_OPTION_MAX_LENGTH = 1000;

/**
 * Checks an interaction's string option values against {@link COMMAND_STRING_OPTION_MAX_LENGTH}
 * before any work (Discord's client enforces the registered limits, a hand-made request or a
 * stale registration does not).
 * @param given the interaction's option tree (`interaction.options.data`)
 * @returns a sentence naming the first option that is too long, or null when all fit
 */
export function checkInputLimits(given: readonly CommandInteractionOption[]): string | null {
  for (const option of given) {
    if (
      option.type === ApplicationCommandOptionType.Subcommand ||
      option.type === ApplicationCommandOptionType.SubcommandGroup
    ) {
      const nested = checkInputLimits(option.options ?? []);
      if (nested) return nested;
    } else if (typeof option.value === 'string' && option.value.length > COMMAND_STRING_OPTION_MAX_LENGTH) {
      return `The option \`${option.name}\` is too long: at most ${COMMAND_STRING_OPTION_MAX_LENGTH} characters, please.`;
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

/** Where a command runs, for commands that act on it implicitly (e.g. `/agents release` without `channel`). */
export interface RequestContext {
  /** Channel the command was used in. */
  channelId: string | null;
  /** The member's current voice channel, null when not in voice (or unknown). */
  voiceChannelId: string | null;
}

/**
 * {@link optionsFingerprint} plus the context the command may act on implicitly: the same options
 * from another channel, or while the member sits in another voice channel, are another request.
 * Input of the idempotency guard (which keys by user + guild + command).
 */
export function requestFingerprint(
  given: readonly CommandInteractionOption[],
  context: RequestContext,
): string {
  return `${optionsFingerprint(given)}|channel=${context.channelId ?? '-'}|voice=${context.voiceChannelId ?? '-'}`;
}
