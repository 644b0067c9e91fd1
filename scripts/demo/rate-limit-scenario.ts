import type { GuildCreated } from '@app/sandbox';
import { expectAnswer, type SetupScenarioInput, slash, titleOf } from './setup-scenario';

/** The controller's answer to a throttled command (apps/controller interaction-responder). */
const RATE_LIMITED = /^You're using \/(\w+) too quickly — try again in (\d+) s\.$/;

/**
 * A user hits the slash-command rate limit: `userId` runs
 * `/pools list` `limit + 1` times in a row; the first `limit` are answered with the pool list, the
 * last one with "try again in N s" (N ≥ 1, the limiter's real remaining time). Counts go to
 * `summary.commands` (ok for the lists, `rateLimited` for the refusal); anything else is an error.
 * @returns the refusal's text, or null when none came
 */
export async function runRateLimitScenario(
  input: SetupScenarioInput,
  guild: GuildCreated,
  userId: string,
  limit: number,
): Promise<string | null> {
  const { summary } = input;
  for (let i = 1; i <= limit; i += 1) {
    const result = await slash(input, guild, userId, { name: 'pools', subcommand: 'list' });
    if (!expectAnswer(summary, `/pools list #${i} (under the limit)`, result, /^(?!You're using)\S/))
      return null;
  }
  const refused = await slash(input, guild, userId, { name: 'pools', subcommand: 'list' });
  const text = titleOf(refused);
  const match = RATE_LIMITED.exec(text);
  if (!match || match[1] !== 'pools' || Number(match[2]) < 1) {
    summary.commands.failed += 1;
    summary.errors.push(`/pools list #${limit + 1}: expected the rate-limit answer, got "${text}"`);
    return null;
  }
  summary.commands.rateLimited += 1;
  return text;
}
