import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'discord.js';
import type { ApplicationCreated, DiscordSandbox, InteractionResult, LavalinkSandbox } from '@app/sandbox';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents } from '@apps/controller';
import type { DemoGuild } from './music-scenario';
import type { DemoSummary } from './summary';
import { until, within } from './summary';

/** What the recovery steps (idle release, `/assistant`, failover) need from the demo. */
export interface RecoveryScenarioInput {
  controller: INestApplicationContext;
  discord: DiscordSandbox;
  lavalink: LavalinkSandbox;
  controllerBot: ApplicationCreated;
  guilds: DemoGuild[];
  summary: DemoSummary;
  say: (line: string) => void;
  /** Agent tag by bot user id, for the log. */
  tagOf: (botUserId: string) => string;
}

interface EmbedView {
  title?: string;
  fields?: { name: string; value: string }[];
}

/** The embed title, else the content, of an interaction answer (for the log and checks). */
export function answerText(result: InteractionResult): string {
  if (result.error || !result.original) return result.error ?? 'no response';
  const embed = result.original.embeds[0] as EmbedView | undefined;
  return embed?.title ?? result.original.content;
}

function slashCommand(
  input: RecoveryScenarioInput,
  entry: DemoGuild,
  userId: string,
  name: 'music' | 'assistant' | 'agents',
  subcommand: string,
  options: Record<string, string> = {},
): Promise<InteractionResult> {
  input.summary.commands.sent += 1;
  return within(
    `/${name} ${subcommand}`,
    15_000,
    input.discord.control.invokeSlashCommand({
      applicationId: input.controllerBot.applicationId,
      userId,
      channelId: entry.guild.textChannelIds[0],
      name,
      subcommand,
      options,
      waitFor: 'response',
    }),
  );
}

/** Counts one answer as ok when `expected` holds, else as failed with an error naming the step. */
function check(
  input: RecoveryScenarioInput,
  step: string,
  result: InteractionResult,
  expected: RegExp,
): boolean {
  const text = answerText(result);
  if (!result.error && expected.test(text)) {
    input.summary.commands.ok += 1;
    return true;
  }
  input.summary.commands.failed += 1;
  input.summary.errors.push(`${step}: unexpected answer "${text}"`);
  return false;
}

/** Moves people in (`channel`) or out (`null`) of voice and waits until the controller sees it. */
async function moveVoice(
  input: RecoveryScenarioInput,
  moves: { entry: DemoGuild; userId: string; channelId: string | null }[],
): Promise<void> {
  const client = input.controller.get(Client);
  for (const { entry, userId, channelId } of moves)
    input.discord.control.moveVoice(entry.guild.guildId, userId, channelId);
  await until('voice state updates reaching the controller', 10_000, () =>
    moves.every(
      ({ entry, userId, channelId }) =>
        (client.guilds.cache.get(entry.guild.guildId)?.voiceStates.cache.get(userId)?.channelId ?? null) ===
        channelId,
    ),
  );
}

const musicSessions = (controller: INestApplicationContext) =>
  [...controller.get(SessionRegistry).all()].filter((session) => session.kind === 'music');

/**
 * Idle release, both ways a music session ends when nobody listens:
 * - every listener leaves voice after the tracks ended, so each agent reports that the last
 *   human left and releases its session at once (`reason="channel-empty"`);
 * - a radio bot (a sandbox application, not a human) plays one track in a voice channel that
 *   never held a human, so no agent ever reports "the last human left": once the track ended the
 *   controller's idle sweep (booted with a 1 s threshold, every second) releases that session
 *   (`reason="idle"`), the agent leaves voice and the bot gets a direct message.
 * @returns the released counts and how many sessions were allocated (the radio bot's)
 * @throws Error naming the step when a bounded wait times out
 */
export async function runIdleRelease(
  input: RecoveryScenarioInput,
  radio: { entry: DemoGuild; bot: ApplicationCreated; channel: string },
): Promise<{ humansLeft: number; swept: number; allocated: number }> {
  const { controller, lavalink, guilds, say, tagOf } = input;
  const humansLeft = musicSessions(controller).length;
  await moveVoice(
    input,
    guilds.flatMap((entry) =>
      entry.listeners.map((listener) => ({ entry, userId: listener.userId, channelId: null })),
    ),
  );
  await until(
    'the agents releasing their sessions after the last human left',
    10_000,
    () => musicSessions(controller).length === 0,
    () => `${musicSessions(controller).length} music sessions left`,
  );
  say(
    `▶ everyone left voice: each agent saw the last human leave and released its session (${humansLeft} released, reason channel-empty)`,
  );

  const { entry, bot, channel } = radio;
  await moveVoice(input, [{ entry, userId: bot.botUserId, channelId: entry.guild.channels[channel] }]);
  const sinceSeq = lavalink.control.lastSeq;
  const played = await slashCommand(input, entry, bot.botUserId, 'music', 'play', {
    query: 'lighthouse radio',
  });
  if (!check(input, `/music play by the radio bot in ${entry.name}`, played, /^(?!No free agents)\S/))
    return { humansLeft, swept: 0, allocated: 0 };
  const session = musicSessions(controller).find((s) => s.voiceChannelId === entry.guild.channels[channel]);
  const agentBot = session ? controller.get(AgentRegistry).get(session.agentId)?.botUserId : undefined;
  await lavalink.control.waitForEvent(
    (event) =>
      event.userId === agentBot && event.message.op === 'event' && event.message.type === 'TrackEndEvent',
    { sinceSeq, timeoutMs: 10_000 },
  );
  say(
    `▶ the radio bot played a track in ${entry.name} / ${channel} on ${tagOf(agentBot ?? '')}; it ended, and no human was ever there`,
  );
  await until(
    "the idle sweep releasing the radio bot's session",
    15_000,
    () => musicSessions(controller).length === 0,
  );
  say(
    `▶ idle sweep (IDLE_RELEASE_SECONDS=1, every 1 s): released the session with nothing playing and no human listening; ${tagOf(agentBot ?? '')} left voice`,
  );
  await moveVoice(input, [{ entry, userId: bot.botUserId, channelId: null }]);
  return { humansLeft, swept: 1, allocated: 1 };
}

/**
 * `/assistant`: a user joins voice, invites an assistant, makes it say a sentence (a TTS
 * track through the TTS sandbox and the Lavalink emulator's `http` source) and dismisses it.
 * @throws Error naming the step when a bounded wait times out
 */
export async function runAssistantScenario(input: RecoveryScenarioInput): Promise<{ allocated: number }> {
  const { lavalink, guilds, say, tagOf } = input;
  const entry = guilds[guilds.length - 1];
  const [listener] = entry.listeners;
  const channelId = entry.guild.channels[listener.channel];
  await moveVoice(input, [{ entry, userId: listener.userId, channelId }]);
  const joined = await slashCommand(input, entry, listener.userId, 'assistant', 'join');
  if (!check(input, `/assistant join in ${entry.name}`, joined, /^Assistant joined$/))
    return { allocated: 0 };
  const embed = joined.original?.embeds[0] as EmbedView | undefined;
  const mention = /^<@(\d+)>$/.exec(embed?.fields?.find((field) => field.name === 'Agent')?.value ?? '');
  const bot = mention?.[1] ?? '';
  say(
    `▶ ${listener.username} ran /assistant join in ${entry.name} / ${listener.channel}: ${tagOf(bot)} joined`,
  );

  const sinceSeq = lavalink.control.lastSeq;
  const text = 'Good game everyone, thanks for playing tonight.';
  const said = await slashCommand(input, entry, listener.userId, 'assistant', 'say', { text });
  if (check(input, `/assistant say in ${entry.name}`, said, /^(Saying|Queued to say)$/)) {
    const started = await lavalink.control.waitForEvent(
      (event) =>
        event.userId === bot && event.message.op === 'event' && event.message.type === 'TrackStartEvent',
      { sinceSeq, timeoutMs: 10_000 },
    );
    await lavalink.control.waitForEvent(
      (event) =>
        event.userId === bot && event.message.op === 'event' && event.message.type === 'TrackEndEvent',
      { sinceSeq: started.seq, timeoutMs: 10_000 },
    );
    say(
      `▶ /assistant say: ${tagOf(bot)} spoke "${text}" (a TTS track from the TTS sandbox started and ended)`,
    );
  }
  const left = await slashCommand(input, entry, listener.userId, 'assistant', 'leave');
  if (check(input, `/assistant leave in ${entry.name}`, left, /^👋 /))
    say(`▶ /assistant leave: ${answerText(left).replace(/<@(\d+)>/g, (_m, id: string) => tagOf(id))}`);
  await moveVoice(input, [{ entry, userId: listener.userId, channelId: null }]);
  return { allocated: 1 };
}

/**
 * Failover: a listener queues three tracks; the pool owner takes the agent that plays
 * them out of service with `/agents set_status status:suspended` (what an operator does with an
 * agent whose token leaked). The runner's next lease renewal no longer covers it, so the runner
 * logs the identity out of Discord and reports `agent.gone`; the controller resumes the queue on
 * another idle agent of the same guild carried by the same runner: a new TrackStartEvent on its
 * player and a notice in the text channel. Once the resumed queue ended the listener leaves, and
 * the new agent releases the session.
 * @returns how many sessions a reply allocated (the listener's; the failover is not one)
 * @throws Error naming the step when a bounded wait times out
 */
export async function runFailoverScenario(
  input: RecoveryScenarioInput,
  ownerId: string,
): Promise<{ allocated: number }> {
  const { controller, discord, lavalink, guilds, say, tagOf, summary } = input;
  const registry = controller.get(AgentRegistry);
  const entry = guilds[0];
  const [listener] = entry.listeners;
  const channelId = entry.guild.channels[listener.channel];
  await moveVoice(input, [{ entry, userId: listener.userId, channelId }]);
  const queries = ['rainy day arcade', 'cold brew sunrise', 'paper moon parade'];
  const sinceSeq = lavalink.control.lastSeq;
  for (const query of queries) {
    const played = await slashCommand(input, entry, listener.userId, 'music', 'play', { query });
    if (!check(input, `/music play "${query}" before the failover`, played, /^(?!No free agents)\S/))
      return { allocated: query === queries[0] ? 0 : 1 };
  }
  const session = musicSessions(controller).find((s) => s.guildId === entry.guild.guildId);
  const agentA = session ? registry.get(session.agentId) : undefined;
  if (!session || !agentA) {
    summary.errors.push(`failover in ${entry.name}: no music session to take over`);
    return { allocated: 1 };
  }
  const idle = [...registry.agentIdsInGuild(entry.guild.guildId)].filter(
    (id) => id !== agentA.agentId && registry.get(id)?.ready,
  );
  if (idle.length === 0) {
    summary.errors.push(`failover in ${entry.name}: no other ready agent in the guild`);
    return { allocated: 1 };
  }
  await lavalink.control.waitForEvent(
    (event) =>
      event.userId === agentA.botUserId &&
      event.message.op === 'event' &&
      event.message.type === 'TrackStartEvent',
    { sinceSeq, timeoutMs: 10_000 },
  );
  say(
    `▶ ${listener.username} queued ${queries.length} tracks in ${entry.name} / ${listener.channel} on ${tagOf(agentA.botUserId)}; ${idle.length} other agent(s) idle there`,
  );
  const beforeKill = lavalink.control.lastSeq;
  const queueEnds: string[] = [];
  const unsubscribe = controller.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
    if (event.name === 'queue.end' && event.guildId === entry.guild.guildId) queueEnds.push(agentId);
  });
  const suspended = await slashCommand(input, entry, ownerId, 'agents', 'set_status', {
    agent: agentA.agentId,
    status: 'suspended',
  });
  if (
    !check(input, `/agents set_status suspended for ${agentA.agentId}`, suspended, /^Agent status changed$/)
  )
    return { allocated: 1 };
  say(
    `▶ the pool owner suspended ${tagOf(agentA.botUserId)} with /agents set_status while it plays: its lease is not renewed, the runner logs it out of Discord and reports agent.gone`,
  );
  const resumed = await lavalink.control.waitForEvent(
    (event) =>
      event.userId !== agentA.botUserId &&
      event.message.op === 'event' &&
      event.message.type === 'TrackStartEvent',
    { sinceSeq: beforeKill, timeoutMs: 20_000 },
  );
  const botB = resumed.userId ?? '';
  const agentB = [...registry.agentIdsInGuild(entry.guild.guildId)].find(
    (id) => registry.get(id)?.botUserId === botB,
  );
  const title =
    resumed.message.op === 'event' && 'track' in resumed.message ? resumed.message.track.info.title : '?';
  if (registry.get(agentA.agentId))
    summary.errors.push(
      `failover in ${entry.name}: the suspended agent ${agentA.agentId} is still connected`,
    );
  const now = musicSessions(controller).find((s) => s.guildId === entry.guild.guildId);
  if (!agentB || now?.agentId !== agentB)
    summary.errors.push(
      `failover in ${entry.name}: the session is on ${now?.agentId ?? 'no agent'}, not ${agentB ?? tagOf(botB)}`,
    );
  await until('the failover notice in the text channel', 10_000, () =>
    discord.control
      .listMessages(entry.guild.textChannelIds[0])
      .some((message) => typeof message.content === 'string' && message.content.startsWith('🔁 ')),
  );
  say(
    `▶ failover: ${tagOf(botB)} took the session over and resumed **${title}** — TrackStartEvent on its player, 🔁 notice in #general`,
  );
  await until('the resumed queue ending (queue.end from the new agent)', 20_000, () =>
    queueEnds.some((agentId) => agentId === agentB),
  );
  unsubscribe();
  await moveVoice(input, [{ entry, userId: listener.userId, channelId: null }]);
  await until(
    'the agent releasing the failed-over session after the last human left',
    10_000,
    () => musicSessions(controller).length === 0,
  );
  say(`▶ the resumed queue ended and ${listener.username} left voice; ${tagOf(botB)} released the session`);
  return { allocated: 1 };
}
