import type { GuildCreated } from '@app/sandbox';
import { expectAnswer, type SetupScenarioInput, slash, titleOf } from './setup-scenario';

/**
 * `/fun compliment target:@someone` through the controller, which asks FunHub over HTTP with its
 * API key. A compliment starts with 💐 (apps/controller fun-replies); FunHub down,
 * unconfigured or refusing the key gives a sentence instead, counted as a failure.
 * @returns the compliment's text, or null (error recorded) when none came
 */
export async function runFunScenario(
  input: SetupScenarioInput,
  guild: GuildCreated,
  userId: string,
  target: { userId: string; username: string },
): Promise<string | null> {
  const result = await slash(input, guild, userId, {
    name: 'fun',
    subcommand: 'compliment',
    options: { target: target.userId },
  });
  if (!expectAnswer(input.summary, '/fun compliment', result, /^💐 \S/)) return null;
  const text = titleOf(result);
  if (!text.includes(target.username)) {
    input.summary.errors.push(`/fun compliment: the compliment does not name ${target.username}: "${text}"`);
    return null;
  }
  return text;
}
