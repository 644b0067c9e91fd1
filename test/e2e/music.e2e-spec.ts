import { assertBoundedLabels, sampleValue } from '@app/metrics';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, DiscordReadiness } from '@apps/controller';
import { controllerUrl, createStack, type Stack, until } from './support/stack';
import { embedOf, field } from './support/interactions';

/**
 * The first vertical slice (issue 4) through every real protocol: people in voice channels run
 * `/music …` against the controller (in process) in the Discord sandbox; the controller allocates
 * agents that a real runner process logged in, and the agents play through the Lavalink emulator.
 */
jest.setTimeout(90_000);

describe('/music (controller + runner + sandboxes)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let emptyGuild: GuildCreated;
  const users: Record<string, string> = {};
  const trackEvents: { agentId: string; name: string; title: string | null; reason?: string }[] = [];
  /** botUserId → agentId */
  const agentByBot = new Map<string, string>();

  beforeAll(async () => {
    stack = await createStack({ agentCount: 3, timeScale: 0.03 });
    guild = stack.createGuild({
      name: 'Music Guild',
      voiceChannels: ['Music 1', 'Music 2', 'Chill', 'Overflow'],
      agents: 'all',
    });
    emptyGuild = stack.createGuild({ name: 'Quiet Guild', voiceChannels: ['Lobby'], agents: 'none' });
    for (const name of ['ana', 'ben', 'cy', 'dee', 'eve']) users[name] = stack.createUser(name, [guild]);
    users.finn = stack.createUser('finn', [emptyGuild]);
    stack.agents.forEach((agent, i) => agentByBot.set(agent.botUserId, stack.agentIds[i]));

    await stack.startController();
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start' || event.name === 'track.end') {
        trackEvents.push({
          agentId,
          name: event.name,
          title: event.track.title,
          ...(event.name === 'track.end' ? { reason: event.reason } : {}),
        });
      }
      if (event.name === 'queue.end') trackEvents.push({ agentId, name: event.name, title: null });
    });
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 3);

    const move = (user: string, channel: string) =>
      stack.moveVoice(users[user], guild, guild.channels[channel]);
    await move('ana', 'Music 1');
    await move('ben', 'Music 2');
    await move('cy', 'Chill');
    await move('dee', 'Overflow');
    await stack.moveVoice(users.finn, emptyGuild, emptyGuild.channels.Lobby);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const play = (user: string, query: string, where: GuildCreated = guild) =>
    stack.slash(users[user], where, 'music', { subcommand: 'play', options: { query } });
  const music = (user: string, subcommand: string, options: Record<string, number> = {}) =>
    stack.slash(users[user], guild, 'music', { subcommand, options });

  /** The agent the sandbox shows in `channel` of the music guild. */
  function agentInVoice(channel: string): string | undefined {
    return stack.agents.find(
      (agent) =>
        stack.discord.control.getVoiceState(guild.guildId, agent.botUserId)?.channelId ===
        guild.channels[channel],
    )?.botUserId;
  }

  const mentionIn = (channel: string) => `<@${agentInVoice(channel)}>`;

  it('A1, C4, B15: three users in three voice channels play at once; three different agents join and play, each reply deferred within 3 s and completed by an edit', async () => {
    const results = await Promise.all([
      play('ana', 'neon harbor'),
      play('ben', 'rainy day arcade'),
      play('cy', 'paper moon parade'),
    ]);

    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.acknowledged).toBe('deferred');
      expect(result.timings.ackMs).not.toBeNull();
      expect(result.timings.ackMs!).toBeLessThan(3000);
      expect(result.timings.completedMs).not.toBeNull();
      expect(result.edits.length).toBeGreaterThanOrEqual(1);
    }
    const channels = ['Music 1', 'Music 2', 'Chill'];
    const titles = ['Neon Harbor', 'Rainy Day Arcade', 'Paper Moon Parade'];
    const agentsInVoice = channels.map((channel) => agentInVoice(channel));
    expect(agentsInVoice).not.toContain(undefined);
    expect(new Set(agentsInVoice).size).toBe(3);
    results.forEach((result, i) => {
      const embed = embedOf(result);
      expect(embed.title).toBe('Now playing');
      expect(embed.description).toContain(titles[i]);
      expect(field(embed, 'Agent')).toBe(`<@${agentsInVoice[i]}>`);
      expect(field(embed, 'Channel')).toBe(`🔊 ${channels[i]}`);
      expect(field(embed, 'Duration')).toMatch(/^\d+:\d{2}$/);
    });
    await until(
      () =>
        titles.every((title, i) =>
          trackEvents.some(
            (e) =>
              e.name === 'track.start' &&
              e.title === title &&
              e.agentId === agentByBot.get(agentsInVoice[i]!),
          ),
        ),
      'three track.start events from the three agents',
    );
    for (const [i, botUserId] of agentsInVoice.entries()) {
      expect(stack.lavalink.control.players({ userId: botUserId })).toEqual([
        expect.objectContaining({
          guildId: guild.guildId,
          track: expect.objectContaining({ title: titles[i] }),
        }),
      ]);
    }
  });

  it('A3: a fourth channel gets "no free agents" naming the busy channels', async () => {
    const result = await play('dee', 'static bloom');

    expect(result.original?.content).toBe(
      'No free agents: all 3 agents in this server are busy in 🔊 Music 1, 🔊 Music 2, 🔊 Chill — add more with /agents deploy.',
    );
    expect(agentInVoice('Overflow')).toBeUndefined();
  });

  it("/music queue answers from the agent in the invoking user's channel", async () => {
    const queued = await play('ana', 'glass orchard');
    expect(embedOf(queued).title).toBe('Queued at position 1');
    expect(field(embedOf(queued), 'Agent')).toBe(mentionIn('Music 1'));

    const ana = embedOf(await music('ana', 'queue'));
    const ben = embedOf(await music('ben', 'queue'));

    expect(field(ana, 'Agent')).toBe(mentionIn('Music 1'));
    expect(ana.description).toContain('Neon Harbor');
    expect(ana.description).toContain('1. [Glass Orchard]');
    expect(field(ben, 'Agent')).toBe(mentionIn('Music 2'));
    expect(ben.description).toContain('Rainy Day Arcade');
    expect(ben.description).not.toContain('Glass Orchard');
  });

  it("/music skip skips on the agent of the invoking user's channel only", async () => {
    const music1 = agentInVoice('Music 1')!;
    const music2 = agentInVoice('Music 2')!;

    const result = await music('ana', 'skip');

    expect(result.original?.content).toBe(
      `⏭️ <@${music1}> skipped **Neon Harbor**. Now playing **Glass Orchard**.`,
    );
    await until(
      () => stack.lavalink.control.players({ userId: music1 })[0]?.track?.title === 'Glass Orchard',
      'Glass Orchard to play on the Music 1 agent',
    );
    expect(stack.lavalink.control.players({ userId: music2 })[0]?.track?.title).toBe('Rainy Day Arcade');
  });

  it('a track ends per the Lavalink emulator (time-scaled) and its agent reports the end', async () => {
    const music2 = agentInVoice('Music 2')!;

    const ended = await stack.lavalink.control.waitForEvent(
      ({ userId, message }) =>
        userId === music2 &&
        message.op === 'event' &&
        message.type === 'TrackEndEvent' &&
        message.track.info.title === 'Rainy Day Arcade' &&
        message.reason === 'finished',
      { sinceSeq: 0, timeoutMs: 15_000 },
    );

    expect(ended.message).toMatchObject({ guildId: guild.guildId });
    // The last track of a queue ends as `queue.end` (lavalink-client emits queueEnd, not trackEnd).
    await until(
      () => trackEvents.some((e) => e.agentId === agentByBot.get(music2) && e.name === 'queue.end'),
      'the Music 2 agent to report the end of its queue',
    );
    expect(
      trackEvents.some(
        (e) =>
          e.agentId === agentByBot.get(agentInVoice('Music 1')!) &&
          e.name === 'track.end' &&
          e.title === 'Neon Harbor',
      ),
    ).toBe(true);
  });

  it("A7: /music stop frees the agent of the invoking user's channel, which then serves another channel", async () => {
    const chill = agentInVoice('Chill')!;
    const sessions = stack.get(SessionRegistry);

    const stopped = await music('cy', 'stop');

    expect(stopped.original?.content).toBe(
      `⏹️ Stopped the music and cleared the queue; <@${chill}> left 🔊 Chill.`,
    );
    expect(sessions.byAgentId(agentByBot.get(chill)!)).toEqual([]);
    await until(() => agentInVoice('Chill') === undefined, 'the agent to leave Chill');
    expect(agentInVoice('Music 1')).toBeDefined();

    const again = await play('dee', 'static bloom');
    expect(field(embedOf(again), 'Agent')).toBe(`<@${chill}>`);
    expect(agentInVoice('Overflow')).toBe(chill);
  });

  it('a user not in a voice channel is told to join one first (nothing allocated)', async () => {
    const before = stack.get(SessionRegistry).size;

    const result = await play('eve', 'static bloom');

    expect(result).toMatchObject({
      acknowledged: 'reply',
      ephemeral: true,
      original: { content: 'Join a voice channel first, then run the command again.' },
    });
    expect(stack.get(SessionRegistry).size).toBe(before);
  });

  it('A2: a guild without agents gets the "no agents yet" sentence', async () => {
    expect(stack.get(AgentRegistry).agentIdsInGuild(emptyGuild.guildId).size).toBe(0);

    const result = await play('finn', 'static bloom', emptyGuild);

    expect(result.original?.content).toBe(
      'No agents are in this server yet — a server admin can add some with /agents deploy.',
    );
  });

  it('/music skip in a channel without music says so and suggests /music play', async () => {
    await stack.moveVoice(users.eve, guild, guild.channels.Chill);

    const result = await music('eve', 'skip');

    expect(result.original?.content).toBe(
      'No music is playing in your voice channel — start something with /music play.',
    );
  });
  it("/music pause, nowplaying, resume and volume act on the agent of the invoking user's channel", async () => {
    const music2 = agentInVoice('Music 2')!;
    const played = await play('ben', 'copper skies');
    expect(field(embedOf(played), 'Agent')).toBe(`<@${music2}>`);
    const player = () => stack.lavalink.control.players({ userId: music2 })[0];
    await until(() => player()?.track?.title === 'Copper Skies', 'Copper Skies on the Music 2 agent');

    const paused = await music('ben', 'pause');
    expect(paused.original?.content).toBe(`⏸️ <@${music2}> paused. Continue with /music resume.`);
    await until(() => player()?.paused === true, 'the player to pause');

    const now = embedOf(await music('ben', 'nowplaying'));
    expect(now.title).toBe('Paused');
    expect(now.description).toContain('Copper Skies');
    expect(field(now, 'Agent')).toBe(`<@${music2}>`);

    const resumed = await music('ben', 'resume');
    expect(resumed.original?.content).toBe(`▶️ <@${music2}> resumed.`);
    await until(() => player()?.paused === false, 'the player to resume');

    const volume = await music('ben', 'volume', { level: 150 });
    expect(volume.original?.content).toBe(`🔊 <@${music2}> set the volume to 150%.`);
    await until(() => player()?.volume === 150, 'the player volume to be 150');
    expect(stack.lavalink.control.players({ userId: agentInVoice('Overflow')! })[0]?.volume).not.toBe(150);
  });

  it('A7: /music leave makes the agent leave and frees it', async () => {
    const music2 = agentInVoice('Music 2')!;

    const left = await music('ben', 'leave');

    expect(left.original?.content).toBe(
      `👋 <@${music2}> left 🔊 Music 2. It is free for other channels now.`,
    );
    expect(stack.get(SessionRegistry).byAgentId(agentByBot.get(music2)!)).toEqual([]);
    await until(() => agentInVoice('Music 2') === undefined, 'the agent to leave Music 2');
  });

  it('releases a stale session when its agent was disconnected from voice behind our back', async () => {
    const played = await play('ben', 'copper skies');
    const agentBot = field(embedOf(played), 'Agent')!.replace(/[<@>]/g, '');
    const agentId = agentByBot.get(agentBot)!;
    const sessions = stack.get(SessionRegistry);
    expect(sessions.byAgentId(agentId)).toHaveLength(1);

    stack.discord.control.moveVoice(guild.guildId, agentBot, null);
    await until(() => agentInVoice('Music 2') === undefined, 'the agent to be out of Music 2');
    const result = await music('ben', 'queue');

    expect(result.original?.content).toBe(
      `<@${agentBot}> is not in a voice channel here any more — start again with /music play.`,
    );
    expect(sessions.byAgentId(agentId)).toEqual([]);
  });

  it('releases the session when the last human leaves the channel and tells the text channel', async () => {
    const music1 = agentInVoice('Music 1')!;
    const sessions = stack.get(SessionRegistry);
    expect(sessions.byAgentId(agentByBot.get(music1)!)).toHaveLength(1);

    await stack.moveVoice(users.ana, guild, null);

    await until(
      () => sessions.byAgentId(agentByBot.get(music1)!).length === 0,
      'the Music 1 session release',
    );
    await until(() => agentInVoice('Music 1') === undefined, 'the agent to leave Music 1');
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.channels.general)
          .some(
            (m) =>
              m.content ===
              `Everyone left <#${guild.channels['Music 1']}>, so <@${music1}> stopped the music and left.`,
          ),
      'the channel-empty notice',
    );
  });

  it('releases the sessions of an agent that goes offline, tells the text channel, and answers later commands', async () => {
    const overflow = agentInVoice('Overflow')!;
    const agentId = agentByBot.get(overflow)!;
    const sessions = stack.get(SessionRegistry);
    expect(sessions.byAgentId(agentId)).toHaveLength(1);

    stack.runner!.child.kill('SIGKILL');
    await stack.runner!.exited;

    await until(() => sessions.byAgentId(agentId).length === 0, 'the Overflow session release');
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.channels.general)
          .some(
            (m) =>
              m.content ===
              `<@${overflow}> went offline, so the music in <#${guild.channels.Overflow}> stopped. Run /music play to start again.`,
          ),
      'the agent-offline notice',
    );
    const skipped = await music('dee', 'skip');
    expect(skipped.original?.content).toBe(
      `<@${overflow}> went offline, so the music in your channel stopped — start again with /music play and another agent will take over.`,
    );
  });
  it("reports the controller's Discord gateway as ready (for /readyz)", () => {
    const readiness = stack.get(DiscordReadiness).state();

    expect(readiness).toMatchObject({ ready: true, guilds: 2 });
    expect(readiness.readySince).toEqual(expect.any(Number));
  });

  it("registers the /music subcommands with Discord's option limits (query ≤ 200, volume 0–200)", () => {
    const commands = stack.discord.control.listCommands(stack.controllerBot.applicationId) as {
      name: string;
      options?: { name: string; options?: Record<string, unknown>[] }[];
    }[];
    const musicCommand = commands.find((c) => c.name === 'music');

    expect(musicCommand?.options?.map((o) => o.name).sort()).toEqual(
      ['leave', 'nowplaying', 'pause', 'play', 'queue', 'resume', 'skip', 'stop', 'volume'].sort(),
    );
    const option = (sub: string) => musicCommand?.options?.find((o) => o.name === sub)?.options?.[0];
    expect(option('play')).toMatchObject({ name: 'query', required: true, min_length: 1, max_length: 200 });
    expect(option('volume')).toMatchObject({ name: 'level', required: true, min_value: 0, max_value: 200 });
  });

  it('refuses a query over 200 characters before any allocation', async () => {
    const sessionsBefore = stack.get(SessionRegistry).size;

    const result = await play('eve', 'x'.repeat(201));

    expect(result).toMatchObject({
      acknowledged: 'reply',
      ephemeral: true,
      original: { content: 'The search must be 1–200 characters — shorten it or paste a link.' },
    });
    expect(stack.get(SessionRegistry).size).toBe(sessionsBefore);
  });

  it('counts commands, allocations and busy agents on /metrics-app', async () => {
    const response = await fetch(`${controllerUrl(stack)}/metrics-app`);
    expect(response.status).toBe(200);
    const text = await response.text();

    assertBoundedLabels(text);
    expect(
      sampleValue(text, 'chopsticks_commands_total', { command: 'music', status: 'ok' }),
    ).toBeGreaterThanOrEqual(10);
    expect(sampleValue(text, 'chopsticks_commands_total', { command: 'music', status: 'invalid' })).toBe(2);
    expect(sampleValue(text, 'chopsticks_session_allocations_total', { kind: 'music', outcome: 'ok' })).toBe(
      5,
    );
    expect(
      sampleValue(text, 'chopsticks_session_allocations_total', { kind: 'music', outcome: 'no-free-agents' }),
    ).toBe(1);
    expect(
      sampleValue(text, 'chopsticks_session_allocations_total', {
        kind: 'music',
        outcome: 'no-agents-in-guild',
      }),
    ).toBe(1);
    expect(sampleValue(text, 'chopsticks_agent_busy', { kind: 'music' })).toBe(0);
    expect(
      sampleValue(text, 'chopsticks_command_duration_seconds_count', { command: 'music' }),
    ).toBeGreaterThan(10);
  });
});
