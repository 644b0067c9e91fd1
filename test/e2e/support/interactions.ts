import type { InteractionResult } from '@app/sandbox';

/** The parts of a Discord embed the e2e tests read (Discord's embed object, trimmed). */
export interface EmbedView {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
}

/**
 * The first embed of the interaction's final response.
 * @throws Error naming the response when it carries no embed
 */
export function embedOf(result: InteractionResult): EmbedView {
  const embed = result.original?.embeds[0] as EmbedView | undefined;
  if (!embed) throw new Error(`no embed in ${JSON.stringify(result.original)}`);
  return embed;
}

/** The value of the embed field called `name`, or undefined when there is none. */
export function field(embed: EmbedView, name: string): string | undefined {
  return embed.fields?.find((f) => f.name === name)?.value;
}

/**
 * The text content of the interaction's final response.
 * @throws Error naming the result when there was no response
 */
export function contentOf(result: InteractionResult): string {
  if (!result.original) throw new Error(`no answer: ${JSON.stringify(result)}`);
  return result.original.content;
}

/** Everything a user could read in the interaction's messages (content, embeds, components) as JSON. */
export function visibleText(result: InteractionResult): string {
  return JSON.stringify([result.messages, result.edits]);
}
