import { sampleValue } from '@app/metrics';
import { GuildSettingsService } from '@app/pools';
import { type GuildCreated, TtsSandbox } from '@app/sandbox';
import { SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, IdleReleaseSweeper } from '@apps/controller';
import { controllerUrl, createStack, type Stack, until } from './support/stack';

/**
 * The idle sweep (SPEC §5, ACCEPTANCE I1, I2) with a 1 s threshold and a 1 s sweep: a session
 * whose queue ended is released only when no human is left in its voice channel. The session of
 * I1 is started by a bot user (a sandbox application), so its channel never held a human and the
 * agent's own "last human left" release never applies; the session of I2 keeps a human listening.
 * Assistant sessions are swept too (silent beyond the threshold, nobody listening), and a guild's
 * override (disabled, or 60 s) beats the default threshold.
 */
jest.setTimeout(60_000);

describe(IdleReleaseSweeper.name, () => {
  let stack: Stack;
  let tts: TtsSandbox;
  let guild: GuildCreated;
  let ana: string;
  let ben: string;
  let helper: { botUserId: string };
  const queueEnds: { agentId: string; guildId: string }[] = [];

  beforeAll(async () => {
    tts = await TtsSandbox.start();
    stack = await createStack({ agentCount: 2, timeScale: 0.01 });
    guild = stack.createGuild({
      name: 'Idle Guild',
      voiceChannels: ['Music 1', 'Music 2', 'Music 3'],
      agents: 'all',
    });
    ana = stack.createUser('ana', [guild]);
    ben = stack.createUser('ben', [guild]);
    helper = stack.discord.control.createApplication({ name: 'Helper', username: 'helper' });
    stack.discord.control.addMember(guild.guildId, helper.botUserId);
    await stack.startController({ IDLE_RELEASE_SECONDS: '1', IDLE_SWEEP_INTERVAL_SECONDS: '1' });
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'queue.end') queueEnds.push({ agentId, guildId: event.guildId });
    });
    await stack.startRunner({ TTS_URL: `${tts.url}/tts`, TTS_VOICE: 'alto' });
    await stack.waitForAgents(guild.guildId, 2);
    await stack.moveVoice(helper.botUserId, guild, guild.channels['Music 1']);
    await stack.moveVoice(ana, guild, guild.channels['Music 2']);
    await stack.moveVoice(ben, guild, guild.channels['Music 3']);
  });

  afterAll(async () => {
    await stack?.close();
    await tts?.stop();
  });

  const play = (userId: string) =>
    stack.slash(userId, guild, 'music', { subcommand: 'play', options: { query: 'neon harbor' } });

  it('I1, I2: after the queue ends, the sweep releases the session with no human in its channel (agent leaves, owner notified, agent free again) and keeps the one with a human', async () => {
    const sessions = stack.get(SessionRegistry);
    const key = (channel: string) => ({
      guildId: guild.guildId,
      voiceChannelId: guild.channels[channel],
      kind: 'music' as const,
    });
    expect((await play(helper.botUserId)).error).toBeUndefined();
    expect((await play(ana)).error).toBeUndefined();
    const lonely = sessions.get(key('Music 1'))!;
    const listened = sessions.get(key('Music 2'))!;
    const lonelyBot = stack.agents[stack.agentIds.indexOf(lonely.agentId)].botUserId;
    const listenedBot = stack.agents[stack.agentIds.indexOf(listened.agentId)].botUserId;
    await until(
      () => [lonely.agentId, listened.agentId].every((id) => queueEnds.some((e) => e.agentId === id)),
      'both queues to end',
    );

    // I1: released by the sweep.
    await until(() => sessions.get(key('Music 1')) === undefined, 'the idle sweep to release Music 1');
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, lonelyBot)?.channelId == null,
      'the idle agent to leave Music 1',
    );
    await until(
      () =>
        stack.discord.control
          .listDirectMessages(helper.botUserId, stack.controllerBot.botUserId)
          .some(
            (m) => typeof m.content === 'string' && m.content.includes(`<#${guild.channels['Music 1']}>`),
          ),
      'the direct message to the session owner',
    );
    expect(
      stack.discord.control
        .listMessages(guild.textChannelIds[0])
        .some(
          (m) =>
            m.content ===
            `💤 <@${lonelyBot}> left <#${guild.channels['Music 1']}> after 1 s without music or listeners.`,
        ),
    ).toBe(true);

    // I2: one human still listens in Music 2 — a sweep after the threshold releases nothing there.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stack.get(IdleReleaseSweeper).sweep();
    expect(sessions.get(key('Music 2'))?.sessionId).toBe(listened.sessionId);
    expect(stack.discord.control.getVoiceState(guild.guildId, listenedBot)?.channelId).toBe(
      guild.channels['Music 2'],
    );

    // A7: the released agent serves another channel.
    const next = await play(ben);
    expect(next.error).toBeUndefined();
    expect(sessions.get(key('Music 3'))?.agentId).toBe(lonely.agentId);

    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(sampleValue(metrics, 'chopsticks_session_releases_total', { kind: 'music', reason: 'idle' })).toBe(
      1,
    );
  });

  const key = (channel: string, kind: 'music' | 'assistant' = 'music') => ({
    guildId: guild.guildId,
    voiceChannelId: guild.channels[channel],
    kind,
  });
  const botOf = (agentId: string) => stack.agents[stack.agentIds.indexOf(agentId)].botUserId;

  it('I1 for assistant sessions: silent beyond the threshold with nobody listening, the sweep releases it (the agent leaves, the text channel is told)', async () => {
    const sessions = stack.get(SessionRegistry);
    // Free an agent: Ben's music session ends.
    expect((await stack.slash(ben, guild, 'music', { subcommand: 'leave' })).error).toBeUndefined();
    const joined = await stack.slash(helper.botUserId, guild, 'assistant', { subcommand: 'join' });
    expect(joined.error).toBeUndefined();
    const session = sessions.get(key('Music 1', 'assistant'));
    expect(session).toBeDefined();
    const bot = botOf(session!.agentId);

    await until(
      () => sessions.getById(session!.sessionId) === undefined,
      'the sweep to release the assistant',
    );
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, bot)?.channelId == null,
      'the assistant agent to leave',
    );
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.textChannelIds[0])
          .some(
            (m) =>
              m.content ===
              `💤 <@${bot}> left <#${guild.channels['Music 1']}> after 1 s without speaking or listeners.`,
          ),
      'the notice in the text channel',
    );
  });

  it('I1 with a guild override: disabled → never released; 60 s → released only once 60 s passed without activity', async () => {
    const sessions = stack.get(SessionRegistry);
    const sweeper = stack.get(IdleReleaseSweeper);
    const settings = stack.get(GuildSettingsService);
    const actor = { id: ana };
    const ended = queueEnds.length;
    await settings.upsert(guild.guildId, { idleReleaseSeconds: 0 }, actor);
    expect((await play(helper.botUserId)).error).toBeUndefined();
    const session = sessions.get(key('Music 1'))!;
    await until(() => queueEnds.slice(ended).some((e) => e.agentId === session.agentId), 'the queue to end');

    // Disabled: not even ten hours of idleness release it.
    expect(sweeper.verdict(session, null, Date.now() + 36_000_000)).toBe('disabled');
    await sweeper.sweep(Date.now() + 36_000_000);
    expect(sessions.getById(session.sessionId)).toBe(session);

    // 60 s: kept at 30 s of idleness, released after 61 s.
    await settings.upsert(guild.guildId, { idleReleaseSeconds: 60 }, actor);
    await sweeper.sweep(Date.now() + 30_000);
    expect(sessions.getById(session.sessionId)).toBe(session);
    expect(await sweeper.sweep(Date.now() + 61_000)).toBe(1);
    expect(sessions.getById(session.sessionId)).toBeUndefined();
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, botOf(session.agentId))?.channelId == null,
      'the agent to leave',
    );
    await settings.upsert(guild.guildId, { idleReleaseSeconds: null }, actor);
  });
});
