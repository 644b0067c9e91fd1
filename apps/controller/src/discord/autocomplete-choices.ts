import type { Logger } from '@nestjs/common';
import type { AutocompleteInteraction } from 'discord.js';

/** Discord shows at most 25 autocomplete choices of at most 100 characters (Discord docs, Autocomplete). */
export const AUTOCOMPLETE_MAX_CHOICES = 25;
export const AUTOCOMPLETE_CHOICE_MAX_LENGTH = 100;

/** One autocomplete choice: the label Discord shows and the option value it sends back. */
export interface AutocompleteChoice {
  name: string;
  value: string;
}

/** `text` cut to Discord's 100-character choice label, ending in `…` when it was longer. */
export function choiceName(text: string): string {
  return text.length <= AUTOCOMPLETE_CHOICE_MAX_LENGTH
    ? text
    : `${text.slice(0, AUTOCOMPLETE_CHOICE_MAX_LENGTH - 1)}…`;
}

/**
 * Answers an autocomplete interaction with the first 25 of `choices()`. A failed lookup (e.g. the
 * database is down) answers no choices, so the user can still type the value; a failed answer is
 * logged, never thrown. Discord expects the answer within 3 s (Discord docs, "Autocomplete").
 */
export async function respondWithChoices(
  interaction: AutocompleteInteraction,
  logger: Logger,
  choices: () => Promise<AutocompleteChoice[]>,
): Promise<void> {
  let found: AutocompleteChoice[] = [];
  try {
    found = (await choices()).slice(0, AUTOCOMPLETE_MAX_CHOICES);
  } catch (error) {
    logger.warn(`autocomplete failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await interaction.respond(found).catch((error: unknown) => {
    logger.warn(`could not answer autocomplete ${interaction.id}: ${String(error)}`);
  });
}
