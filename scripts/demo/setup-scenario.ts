import type { ApplicationCreated, DiscordSandbox, GuildCreated, InteractionResult } from '@app/sandbox';
import type { DemoSummary } from './summary';
import { within } from './summary';

/** What the setup steps (pool, tokens, deploy) need from the demo. */
export interface SetupScenarioInput {
  discord: DiscordSandbox;
  controllerBot: ApplicationCreated;
  summary: DemoSummary;
  say: (line: string) => void;
  /** The person who owns the pool (and administers the first guild). */
  ownerId: string;
}

interface EmbedView {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
}

interface ButtonView {
  style?: number;
  url?: string;
}

/** Options of one slash command invocation, as the sandbox takes them. */
type SlashOptions = Record<string, string | number | boolean>;

/**
 * Runs one slash command as `userId` in `guild`'s first text channel and waits for what the app
 * answered (`waitFor` as the sandbox control API takes it). Counts it in `summary.commands.sent`.
 * @throws Error naming the command when no answer came within 20 s
 */
export function slash(
  input: Pick<SetupScenarioInput, 'discord' | 'controllerBot' | 'summary'>,
  guild: GuildCreated,
  userId: string,
  command: { name: string; subcommand: string; options?: SlashOptions },
  waitFor: 'response' | { edits?: number; followUps?: number; timeoutMs?: number } = 'response',
): Promise<InteractionResult> {
  input.summary.commands.sent += 1;
  return within(
    `/${command.name} ${command.subcommand}`,
    20_000,
    input.discord.control.invokeSlashCommand({
      applicationId: input.controllerBot.applicationId,
      userId,
      channelId: guild.textChannelIds[0],
      name: command.name,
      subcommand: command.subcommand,
      options: command.options ?? {},
      waitFor,
    }),
  );
}

/** First embed of an answer, or null. */
export function embedOf(result: InteractionResult): EmbedView | null {
  return (result.original?.embeds[0] as EmbedView | undefined) ?? null;
}

/** The embed title, else the content, of an answer (for checks and errors). */
export function titleOf(result: InteractionResult): string {
  if (result.error || !result.original) return result.error ?? 'no response';
  return embedOf(result)?.title ?? result.original.content;
}

/**
 * Counts an answer as ok when its title (or content) matches `expected`; otherwise as failed with
 * an error naming `step`.
 * @returns whether the answer was the expected one
 */
export function expectAnswer(
  summary: DemoSummary,
  step: string,
  result: InteractionResult,
  expected: RegExp,
): boolean {
  const text = titleOf(result);
  if (!result.error && expected.test(text)) {
    summary.commands.ok += 1;
    return true;
  }
  summary.commands.failed += 1;
  summary.errors.push(`${step}: unexpected answer "${text.slice(0, 300)}"`);
  return false;
}

/**
 * `/pools create` by the owner (a public pool), read back from the "Pool created" embed.
 * @returns the new pool's id, or null (error recorded) when the answer is not the expected one
 */
export async function createPool(input: SetupScenarioInput, guild: GuildCreated): Promise<string | null> {
  const result = await slash(input, guild, input.ownerId, {
    name: 'pools',
    subcommand: 'create',
    options: { name: 'Demo pool', visibility: 'public' },
  });
  if (!expectAnswer(input.summary, '/pools create', result, /^Pool created$/)) return null;
  const poolId = /\(`(pool_[^`]+)`\)/.exec(embedOf(result)?.description ?? '')?.[1] ?? null;
  if (!poolId) input.summary.errors.push('/pools create: the answer names no pool id');
  return poolId;
}

/** `/pools select` in `guild` by its admin `adminId`: the guild takes agents from `poolId` first. */
export async function selectPool(
  input: SetupScenarioInput,
  guild: GuildCreated,
  adminId: string,
  poolId: string,
): Promise<boolean> {
  const result = await slash(input, guild, adminId, {
    name: 'pools',
    subcommand: 'select',
    options: { pool: poolId },
  });
  return expectAnswer(input.summary, `/pools select in ${guild.guildId}`, result, /^Default pool selected$/);
}

/**
 * `/agents add_token` for each agent application: the controller verifies every token with the
 * Discord sandbox (GET /users/@me) and stores it encrypted; the owner's own pool activates it at
 * once. Counts each "Agent added" answer in `summary.agents.registered`.
 */
export async function addTokens(
  input: SetupScenarioInput,
  guild: GuildCreated,
  poolId: string,
  agents: readonly ApplicationCreated[],
): Promise<void> {
  for (const agent of agents) {
    const result = await slash(input, guild, input.ownerId, {
      name: 'agents',
      subcommand: 'add_token',
      options: { token: agent.token, pool: poolId },
    });
    if (expectAnswer(input.summary, `/agents add_token for ${agent.clientId}`, result, /^Agent added$/))
      input.summary.agents.registered += 1;
  }
}

/**
 * `/agents deploy desired_total:<n>` in `guild` by its admin `adminId`, then the admin follows
 * every invite link button the answer carries, as a person would in a browser: the sandbox's
 * OAuth2 authorize page (signed in as the admin, this guild picked in the server dropdown —
 * `guild_id`) adds the agent bot to the guild.
 * @returns the client ids of the invited agents (empty, with an error recorded, on a bad answer)
 * @throws Error naming the step when following a link fails at the HTTP level
 */
export async function deployInto(
  input: SetupScenarioInput,
  guild: GuildCreated,
  guildName: string,
  adminId: string,
  desiredTotal: number,
): Promise<string[]> {
  const result = await slash(
    input,
    guild,
    adminId,
    { name: 'agents', subcommand: 'deploy', options: { desired_total: desiredTotal } },
    { edits: 1, followUps: 1, timeoutMs: 20_000 },
  );
  if (!expectAnswer(input.summary, `/agents deploy in ${guildName}`, result, /agent invite\(s\) ready$/))
    return [];
  const buttons = result.followUps
    .flatMap((message) => (message.components ?? []) as { components?: ButtonView[] }[])
    .flatMap((row) => row.components ?? [])
    .filter((button) => button.style === 5 && typeof button.url === 'string');
  const invited: string[] = [];
  for (const button of buttons) {
    const url = new URL(button.url as string);
    url.searchParams.set('guild_id', guild.guildId);
    url.searchParams.set('sandbox_user', adminId);
    const response = await within(`following an invite link in ${guildName}`, 10_000, fetch(url));
    await response.text();
    if (!response.ok) {
      input.summary.errors.push(
        `invite link in ${guildName}: HTTP ${response.status} from the authorize page`,
      );
      continue;
    }
    invited.push(url.searchParams.get('client_id') ?? '');
  }
  if (invited.length !== desiredTotal)
    input.summary.errors.push(
      `/agents deploy in ${guildName}: ${invited.length} invites followed, expected ${desiredTotal}`,
    );
  return invited;
}
