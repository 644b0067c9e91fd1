import type { GuildCreated } from '@app/sandbox';
import { TtsSandbox, ttsDurationMs } from '@app/sandbox';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents } from '@apps/controller';
import { createStack, type Stack, until } from './support/stack';
import { embedOf, field } from './support/interactions';

/**
 * `/assistant …` through every real protocol: the controller (in process) allocates an assistant
 * session (kind `assistant`) on an agent that a real runner process logged in; the runner has a
 * TTS endpoint (`TTS_URL` → the TTS sandbox), so it offers the assistant capability, and the
 * agent speaks by loading the TTS URL through the Lavalink emulator's `http` source.
 */
jest.setTimeout(90_000);

describe('/assistant (controller + runner + Lavalink and TTS sandboxes)', () => {
  let stack: Stack;
  let tts: TtsSandbox;
  let guild: GuildCreated;
  const users: Record<string, string> = {};
  /** botUserId → agentId */
  const agentByBot = new Map<string, string>();
  /** Track events the agents sent (utterances must not show up as music). */
  const trackEvents: { agentId: string; name: string }[] = [];

  beforeAll(async () => {
    tts = await TtsSandbox.start();
    // 0.1 wall ms per track ms: a 300-character utterance (18 s of speech) lasts 1.8 s.
    stack = await createStack({ agentCount: 3, timeScale: 0.1 });
    guild = stack.createGuild({
      name: 'Assistant Guild',
      voiceChannels: ['Lobby', 'Music 1', 'Quiet'],
      agents: 'all',
    });
    for (const name of ['ana', 'ben', 'cy']) users[name] = stack.createUser(name, [guild]);
    stack.agents.forEach((agent, i) => agentByBot.set(agent.botUserId, stack.agentIds[i]));

    await stack.startController();
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start' || event.name === 'queue.end')
        trackEvents.push({ agentId, name: event.name });
    });
    await stack.startRunner({ TTS_URL: `${tts.url}/tts`, TTS_VOICE: 'alto' });
    await stack.waitForAgents(guild.guildId, 3);
    await stack.moveVoice(users.ana, guild, guild.channels.Lobby);
    await stack.moveVoice(users.ben, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await stack?.close();
    await tts?.stop();
  });

  const assistant = (user: string, subcommand: string, options: Record<string, string> = {}) =>
    stack.slash(users[user], guild, 'assistant', { subcommand, options });

  /** The bot user of the agent the sandbox shows in `channel`. */
  function agentInVoice(channel: string): string | undefined {
    return stack.agents.find(
      (agent) =>
        stack.discord.control.getVoiceState(guild.guildId, agent.botUserId)?.channelId ===
        guild.channels[channel],
    )?.botUserId;
  }

  let assistantBot: string;

  it('answers with a sentence when the user is not in voice or no assistant was invited yet', async () => {
    const notInVoice = await assistant('cy', 'join');
    expect(notInVoice.original?.content).toBe('Join a voice channel first, then run the command again.');

    const noSession = await assistant('ana', 'say', { text: 'hello' });
    expect(noSession.original?.content).toBe(
      'No assistant is in your voice channel — invite one with /assistant join.',
    );
    expect(stack.get(SessionRegistry).size).toBe(0);
  });

  it('A8: an assistant session requested with an idle agent available gets a success reply naming the agent, and exactly one session exists', async () => {
    const sut = await assistant('ana', 'join');

    expect(sut.error).toBeUndefined();
    expect(sut.acknowledged).toBe('deferred');
    const embed = embedOf(sut);
    expect(embed.title).toBe('Assistant joined');
    const bot = agentInVoice('Lobby');
    expect(bot).toBeDefined();
    assistantBot = bot!;
    expect(field(embed, 'Agent')).toBe(`<@${assistantBot}>`);
    expect(field(embed, 'Channel')).toBe('🔊 Lobby');

    const sessions = [...stack.get(SessionRegistry).all()];
    expect(sessions).toEqual([
      expect.objectContaining({
        guildId: guild.guildId,
        voiceChannelId: guild.channels.Lobby,
        kind: 'assistant',
        agentId: agentByBot.get(assistantBot),
      }),
    ]);
    expect(stack.get(SessionRegistry).byAgentId(agentByBot.get(assistantBot)!)).toHaveLength(1);
    expect(stack.lavalink.control.players({ userId: assistantBot })).toEqual([
      expect.objectContaining({ guildId: guild.guildId, voiceChannelId: guild.channels.Lobby, track: null }),
    ]);

    // Asking again in the same channel reuses the session: still exactly one.
    const again = await assistant('ana', 'join');
    expect(embedOf(again).title).toBe('Assistant already here');
    expect(stack.get(SessionRegistry).size).toBe(1);
  });

  it('say plays a TTS track whose duration matches the text length; a second utterance is queued; status shows speaking and the queue', async () => {
    const first = 'Good evening everyone. '.repeat(13).trim();
    const second = 'And one more thing.';

    const spoken = await assistant('ana', 'say', { text: first });
    expect(spoken.error).toBeUndefined();
    expect(embedOf(spoken).title).toBe('Saying');
    expect(field(embedOf(spoken), 'Agent')).toBe(`<@${assistantBot}>`);

    const player = () => stack.lavalink.control.players({ userId: assistantBot })[0];
    await until(() => player()?.track !== null && player()?.track !== undefined, 'the utterance to start');
    const track = player().track!;
    expect(track.sourceName).toBe('http');
    expect(track.length).toBe(ttsDurationMs(first));
    const identifier = new URL(track.identifier);
    expect(identifier.searchParams.get('text')).toBe(first);
    expect(identifier.searchParams.get('voice')).toBe('alto');

    const queued = await assistant('ana', 'say', { text: second });
    expect(embedOf(queued).title).toBe('Queued to say');

    const status = await assistant('ana', 'status');
    const statusEmbed = embedOf(status);
    expect(statusEmbed.description).toBe(`<@${assistantBot}> is speaking.`);
    expect(field(statusEmbed, 'Channel')).toBe('🔊 Lobby');
    expect(field(statusEmbed, 'Queued')).toBe('1');

    await until(() => player()?.track?.length === ttsDurationMs(second), 'the queued utterance to play next');
    await until(() => player()?.track === null, 'both utterances to end');
    const idle = embedOf(await assistant('ana', 'status'));
    expect(idle.description).toBe(`<@${assistantBot}> is listening, not speaking.`);
    expect(field(idle, 'Queued')).toBe('0');
    // Utterances are not music: no track events reached the controller for them.
    expect(trackEvents.filter((event) => event.agentId === agentByBot.get(assistantBot))).toEqual([]);
  });

  it('an assistant and a music session in the same guild use different agents', async () => {
    const music = await stack.slash(users.ben, guild, 'music', {
      subcommand: 'play',
      options: { query: 'neon harbor' },
    });
    expect(music.error).toBeUndefined();
    expect(embedOf(music).title).toBe('Now playing');
    const musicBot = agentInVoice('Music 1');
    expect(musicBot).toBeDefined();
    expect(musicBot).not.toBe(assistantBot);

    const kinds = [...stack.get(SessionRegistry).all()].map((session) => [session.kind, session.agentId]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['assistant', agentByBot.get(assistantBot)],
        ['music', agentByBot.get(musicBot!)],
      ]),
    );
    expect(kinds).toHaveLength(2);
  });

  it('leave makes the agent leave voice and frees it for another session', async () => {
    const agentId = agentByBot.get(assistantBot)!;
    const sut = await assistant('ana', 'leave');

    expect(sut.original?.content).toBe(
      `👋 <@${assistantBot}> left 🔊 Lobby. It is free for other channels now.`,
    );
    expect(stack.get(SessionRegistry).byAgentId(agentId)).toHaveLength(0);
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, assistantBot)?.channelId == null,
      'the assistant to leave voice',
    );
    await until(
      () => stack.lavalink.control.players({ userId: assistantBot }).length === 0,
      'the assistant player to be destroyed',
    );
    expect(stack.get(AgentRegistry).get(agentId)?.ready).toBe(true);

    // Freed: with the music agent busy, the only other idle agents include this one again.
    const status = await assistant('ana', 'status');
    expect(status.original?.content).toBe(
      'No assistant is in your voice channel — invite one with /assistant join.',
    );
    await stack.moveVoice(users.cy, guild, guild.channels.Quiet);
    const third = await stack.slash(users.cy, guild, 'music', {
      subcommand: 'play',
      options: { query: 'paper moon parade' },
    });
    const rejoin = await assistant('ana', 'join');
    expect(embedOf(third).title).toBe('Now playing');
    expect(embedOf(rejoin).title).toBe('Assistant joined');
    // Three agents, three sessions: the assistant's agent was free again.
    expect(new Set([...stack.get(SessionRegistry).all()].map((session) => session.agentId)).size).toBe(3);
  });

  it('releases the assistant session when the last human leaves its voice channel and tells the text channel', async () => {
    const session = stack
      .get(SessionRegistry)
      .lookup({ guildId: guild.guildId, voiceChannelId: guild.channels.Lobby, kind: 'assistant' });
    if (!session.ok) throw new Error('no assistant session in the Lobby');
    const bot = stack.get(AgentRegistry).get(session.session.agentId)!.botUserId;

    await stack.moveVoice(users.ana, guild, null);

    await until(
      () =>
        stack.get(SessionRegistry).lookup({
          guildId: guild.guildId,
          voiceChannelId: guild.channels.Lobby,
          kind: 'assistant',
        }).ok === false,
      'the assistant session to be released',
    );
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, bot)?.channelId == null,
      'the assistant to leave voice',
    );
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.textChannelIds[0])
          .some((m) => m.content === `Everyone left <#${guild.channels.Lobby}>, so <@${bot}> left too.`),
      'the notice in the text channel',
    );
    // The music sessions with humans in their channels stay.
    expect([...stack.get(SessionRegistry).all()].map((s) => s.kind)).toEqual(['music', 'music']);
  });
});
