import type { GuildCreated, InteractionResult } from '@app/sandbox';
import { SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, SessionRestoreService } from '@apps/controller';
import { createStack, type Stack, until } from './support/stack';

/**
 * Controller restart (SPEC §5, ACCEPTANCE A10): three agents play in three voice channels; the
 * controller app is closed and a new one starts on the same agent gateway port and database.
 * The runner reconnects and announces its agents with the sessions they hold; the new
 * controller rebuilds its session map from those reports without touching the players. The
 * Lavalink emulator runs in real time, so no track ends during the test.
 */
jest.setTimeout(60_000);

interface EmbedView {
  description?: string;
  fields?: { name: string; value: string }[];
}

function embedOf(result: InteractionResult): EmbedView {
  const embed = result.original?.embeds[0] as EmbedView | undefined;
  if (!embed) throw new Error(`no embed in ${JSON.stringify(result.original)}`);
  return embed;
}

describe(SessionRestoreService.name, () => {
  let stack: Stack;
  let guild: GuildCreated;
  const channels = ['Music 1', 'Music 2', 'Music 3'];
  const users: string[] = [];
  let started = 0;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 3, timeScale: 1 });
    guild = stack.createGuild({ name: 'Restart Guild', voiceChannels: channels, agents: 'all' });
    for (const name of ['ana', 'ben', 'cy']) users.push(stack.createUser(name, [guild]));
    await stack.startController();
    stack.get(AgentGatewayEvents).on('agent.event', ({ event }) => {
      if (event.name === 'track.start') started++;
    });
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 3);
    for (const [i, user] of users.entries()) await stack.moveVoice(user, guild, guild.channels[channels[i]]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const sessionMap = () =>
    Object.fromEntries(
      [...stack.get(SessionRegistry).all()]
        .filter((session) => session.guildId === guild.guildId)
        .map((session) => [session.voiceChannelId, session.agentId]),
    );

  it('A10: after a controller restart the same three sessions come back with the same agents, the players never stop, and /music queue works', async () => {
    const queries = ['neon harbor', 'rainy day arcade', 'paper moon parade'];
    const played = await Promise.all(
      users.map((user, i) =>
        stack.slash(user, guild, 'music', { subcommand: 'play', options: { query: queries[i] } }),
      ),
    );
    for (const result of played) expect(result.error).toBeUndefined();
    await until(() => started >= 3, 'three track starts');
    const before = sessionMap();
    expect(Object.keys(before).sort()).toEqual(channels.map((c) => guild.channels[c]).sort());
    expect(new Set(Object.values(before)).size).toBe(3);
    const botUserIds = stack.agents.map((agent) => agent.botUserId);
    const playersBefore = stack.lavalink.control.players().filter((p) => botUserIds.includes(p.userId));
    expect(playersBefore).toHaveLength(3);
    const sinceSeq = stack.lavalink.control.lastSeq;

    await stack.restartController();
    await stack.waitForAgents(guild.guildId, 3);
    await until(() => Object.keys(sessionMap()).length === 3, 'the three sessions to be restored');

    expect(sessionMap()).toEqual(before);
    const stops = stack.lavalink.control.events.filter(
      (e) =>
        e.seq > sinceSeq &&
        botUserIds.includes(e.userId) &&
        e.message.op === 'event' &&
        (e.message.type === 'TrackEndEvent' || e.message.type === 'WebSocketClosedEvent'),
    );
    expect(stops).toEqual([]);
    for (const player of playersBefore) {
      const now = stack.lavalink.control.players({ userId: player.userId })[0];
      expect(now.track?.identifier).toBe(player.track?.identifier);
      expect(now.paused).toBe(false);
      expect(now.position).toBeGreaterThan(player.position);
    }

    const queue = embedOf(await stack.slash(users[1], guild, 'music', { subcommand: 'queue' }));
    const agentBot = stack.agents[stack.agentIds.indexOf(before[guild.channels['Music 2']])].botUserId;
    expect(queue.fields?.find((f) => f.name === 'Agent')?.value).toBe(`<@${agentBot}>`);
    expect(queue.description).toContain('Rainy Day Arcade');
  });
});
