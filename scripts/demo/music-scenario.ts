import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'discord.js';
import type { ApplicationCreated, DiscordSandbox, GuildCreated, InteractionResult } from '@app/sandbox';
import type { DemoSummary } from './summary';
import { until, within } from './summary';

/** One guild of the scenario: who is in which voice channel and which agents were invited. */
export interface DemoGuild {
  name: string;
  guild: GuildCreated;
  /** Agent bots invited into this guild. */
  agents: ApplicationCreated[];
  /** People who play, one per voice channel: one more than there are agents in the guild. */
  listeners: { userId: string; username: string; channel: string; query: string }[];
}

/** What a `/music play` reply said, read from the interaction the sandbox recorded. */
export type PlayOutcome =
  | { kind: 'playing'; agentBotUserId: string; text: string }
  | { kind: 'no-free-agents'; text: string }
  | { kind: 'failed'; text: string };

interface EmbedView {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
}

/**
 * Reads a `/music play` answer: an embed naming the agent (`Agent` field `<@botUserId>`), the
 * "No free agents" sentence, or anything else (failed). Rate-limit answers are issue 6; the
 * demo counts those from the controller's `chopsticks_commands_total{status="rate-limited"}`.
 */
export function classifyPlay(result: InteractionResult): PlayOutcome {
  const original = result.original;
  if (result.error || !original) return { kind: 'failed', text: result.error ?? 'no response' };
  const embed = original.embeds[0] as EmbedView | undefined;
  const agentField = embed?.fields?.find((field) => field.name === 'Agent')?.value;
  const mention = agentField ? /^<@(\d+)>$/.exec(agentField) : null;
  if (embed && mention) {
    const description = (embed.description ?? '').replace(/\s*\n\s*/g, ' ');
    return { kind: 'playing', agentBotUserId: mention[1], text: `${embed.title ?? ''}: ${description}` };
  }
  if (original.content.startsWith('No free agents'))
    return { kind: 'no-free-agents', text: original.content };
  return { kind: 'failed', text: original.content || JSON.stringify(original.embeds) };
}

/** What {@link runMusicScenario} needs from the demo. */
export interface MusicScenarioInput {
  controller: INestApplicationContext;
  discord: DiscordSandbox;
  controllerBot: ApplicationCreated;
  guilds: DemoGuild[];
  summary: DemoSummary;
  say: (line: string) => void;
  /** Agent tag by bot user id, for the log. */
  tagOf: (botUserId: string) => string;
}

/**
 * People join voice channels in every guild and run `/music play` concurrently through the
 * Discord sandbox (one more request than there are agents per guild, so each guild gets one
 * "no free agents" answer), then one person runs `/music stop` and the refused person in that
 * guild tries again and gets the freed agent. Counts go to `summary.commands` (sent, ok, failed;
 * "no free agents" is the specified answer, so it counts as ok); an unexpected
 * answer is pushed to `summary.errors` naming the step.
 * @returns how many replies named an agent (each one a session allocation the controller made)
 * @throws Error naming the step when a bounded wait times out
 */
export async function runMusicScenario(input: MusicScenarioInput): Promise<{ agentReplies: number }> {
  const { controller, discord, controllerBot, guilds, summary, say, tagOf } = input;
  const client = controller.get(Client);

  const everyone = guilds.flatMap((entry) => entry.listeners.map((listener) => ({ entry, listener })));
  for (const { entry, listener } of everyone) {
    discord.control.moveVoice(entry.guild.guildId, listener.userId, entry.guild.channels[listener.channel]);
  }
  await until(
    'people joining voice channels',
    10_000,
    () =>
      everyone.every(
        ({ entry, listener }) =>
          client.guilds.cache.get(entry.guild.guildId)?.voiceStates.cache.get(listener.userId)?.channelId ===
          entry.guild.channels[listener.channel],
      ),
    () => 'the controller did not see every voice state update',
  );
  say(`▶ ${everyone.length} people joined voice channels in ${guilds.length} guilds`);

  const slash = (
    entry: DemoGuild,
    userId: string,
    subcommand: string,
    options: Record<string, string> = {},
  ) => {
    summary.commands.sent += 1;
    return discord.control.invokeSlashCommand({
      applicationId: controllerBot.applicationId,
      userId,
      channelId: entry.guild.textChannelIds[0],
      name: 'music',
      subcommand,
      options,
      waitFor: 'response',
    });
  };
  const count = (outcome: PlayOutcome) => {
    switch (outcome.kind) {
      case 'playing':
      case 'no-free-agents':
        summary.commands.ok += 1;
        return;
      case 'failed':
        summary.commands.failed += 1;
        return;
    }
  };

  say(`▶ ${everyone.length} people run /music play at the same time`);
  const outcomes = await within(
    'concurrent /music play',
    20_000,
    Promise.all(
      everyone.map(async ({ entry, listener }) => ({
        entry,
        listener,
        outcome: classifyPlay(await slash(entry, listener.userId, 'play', { query: listener.query })),
      })),
    ),
  );
  for (const { entry, listener, outcome } of outcomes) {
    count(outcome);
    const who = `${listener.username} in ${entry.name} / ${listener.channel}`;
    if (outcome.kind === 'playing') say(`  ♪ ${who}: ${tagOf(outcome.agentBotUserId)} — ${outcome.text}`);
    else if (outcome.kind === 'no-free-agents') say(`  ⊘ ${who}: ${outcome.text}`);
    else say(`  ✖ ${who}: ${outcome.text}`);
  }

  for (const entry of guilds) {
    const mine = outcomes.filter((row) => row.entry === entry);
    const playing = mine.filter((row) => row.outcome.kind === 'playing');
    const agentsUsed = new Set(
      playing.map((row) => (row.outcome.kind === 'playing' ? row.outcome.agentBotUserId : '')),
    );
    const refused = mine.filter((row) => row.outcome.kind === 'no-free-agents');
    if (playing.length !== entry.agents.length || agentsUsed.size !== entry.agents.length)
      summary.errors.push(
        `concurrent /music play in ${entry.name}: expected ${entry.agents.length} different agents playing, got ${agentsUsed.size} (${playing.length} replies naming an agent)`,
      );
    if (refused.length !== 1)
      summary.errors.push(
        `concurrent /music play in ${entry.name}: expected exactly 1 "no free agents" answer, got ${refused.length}`,
      );
  }
  say('  (one more request than agents per guild: the "no free agents" answers are expected, counted as ok)');

  // `/music stop` frees one agent; the refused person in that guild gets it on the next try.
  const stopGuild = guilds[guilds.length - 1];
  const stopper = outcomes.find((row) => row.entry === stopGuild && row.outcome.kind === 'playing');
  const waiting = outcomes.find((row) => row.entry === stopGuild && row.outcome.kind === 'no-free-agents');
  if (!stopper || !waiting) {
    summary.errors.push(`/music stop in ${stopGuild.name}: no playing and refused pair to continue with`);
    return { agentReplies: outcomes.filter((row) => row.outcome.kind === 'playing').length };
  }
  const stopped = await within('/music stop', 10_000, slash(stopGuild, stopper.listener.userId, 'stop'));
  const stopText = (stopped.original?.content ?? stopped.error ?? 'no response').replace(
    /<@(\d+)>/g,
    (_mention, botUserId: string) => tagOf(botUserId),
  );
  if (stopText.startsWith('⏹️')) {
    summary.commands.ok += 1;
    say(`▶ ${stopper.listener.username} ran /music stop: ${stopText}`);
  } else {
    summary.commands.failed += 1;
    summary.errors.push(`/music stop in ${stopGuild.name}: unexpected answer "${stopText}"`);
  }
  const retry = classifyPlay(
    await within(
      '/music play after /music stop',
      10_000,
      slash(stopGuild, waiting.listener.userId, 'play', { query: waiting.listener.query }),
    ),
  );
  count(retry);
  if (retry.kind === 'playing') {
    say(`▶ ${waiting.listener.username} tried again: ${tagOf(retry.agentBotUserId)} — ${retry.text}`);
  } else {
    summary.errors.push(`/music play after /music stop in ${stopGuild.name}: "${retry.text}"`);
  }
  return {
    agentReplies:
      outcomes.filter((row) => row.outcome.kind === 'playing').length + (retry.kind === 'playing' ? 1 : 0),
  };
}
