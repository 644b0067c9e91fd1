import { LedgerEvent, LedgerQuery, LedgerWriter } from '@app/ledger';
import { sampleValue } from '@app/metrics';
import type { GuildCreated } from '@app/sandbox';
import { SessionRegistry } from '@app/sessions';
import { controllerUrl, createStack, type Stack, until } from './support/stack';

/**
 * A moderator moving or disconnecting an agent (issue 5: "agent moved or disconnected by a
 * moderator → session follows or ends, never stale"), through the sandbox Discord: the agent's
 * voice state changes under it, the runner reports it and the controller's session follows the
 * agent to the new channel (same session, music keeps playing there) or ends with a notice (the
 * agent is idle again and serves the next request). A move into a channel that has its own music
 * session ends the moved one.
 */
jest.setTimeout(90_000);

describe('Voice moderation', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let ana: string;
  let ben: string;
  let cleo: string;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2 });
    guild = stack.createGuild({
      name: 'Moderated Guild',
      voiceChannels: ['Music 1', 'Music 2', 'Music 3', 'Lounge'],
      agents: 'all',
    });
    ana = stack.createUser('ana', [guild]);
    ben = stack.createUser('ben', [guild]);
    cleo = stack.createUser('cleo', [guild]);
    await stack.startController();
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 2);
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
    await stack.moveVoice(ben, guild, guild.channels['Music 2']);
    await stack.moveVoice(cleo, guild, guild.channels['Music 3']);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const key = (channel: string) => ({
    guildId: guild.guildId,
    voiceChannelId: guild.channels[channel],
    kind: 'music' as const,
  });
  const play = (userId: string) =>
    stack.slash(userId, guild, 'music', { subcommand: 'play', options: { query: 'neon harbor' } });
  const botOf = (agentId: string) => stack.agents[stack.agentIds.indexOf(agentId)].botUserId;
  const said = (text: string) =>
    stack.discord.control.listMessages(guild.textChannelIds[0]).some((m) => m.content === text);

  it('moved by a moderator: the session follows the agent to the new channel (same session, still playing) and the text channel is told', async () => {
    const sessions = stack.get(SessionRegistry);
    expect((await play(ana)).error).toBeUndefined();
    const session = sessions.get(key('Music 1'))!;
    const bot = botOf(session.agentId);
    const dora = stack.createUser('dora', [guild]);
    await stack.moveVoice(dora, guild, guild.channels['Lounge']);

    stack.discord.control.moveVoice(guild.guildId, bot, guild.channels['Lounge']);

    await until(() => sessions.get(key('Lounge'))?.sessionId === session.sessionId, 'the session to follow');
    expect(sessions.get(key('Music 1'))).toBeUndefined();
    expect(sessions.agentSessionInGuild(session.agentId, guild.guildId)?.voiceChannelId).toBe(
      guild.channels['Lounge'],
    );
    await until(
      () =>
        said(
          `<@${bot}> was moved from <#${guild.channels['Music 1']}> to <#${guild.channels['Lounge']}>; the music session continues there.`,
        ),
      'the notice in the text channel',
    );
    // Commands from the new channel reach the same agent's player, which kept its track.
    const now = await stack.slash(dora, guild, 'music', { subcommand: 'nowplaying' });
    expect(now.error).toBeUndefined();
    expect(JSON.stringify(now.original)).toContain(`<@${bot}>`);
    expect(stack.lavalink.control.players({ userId: bot }).length).toBe(1);
  });

  it('moved into a channel with its own music session: the moved session ends, the other one stays', async () => {
    const sessions = stack.get(SessionRegistry);
    const lounge = sessions.get(key('Lounge'))!;
    expect((await play(ben)).error).toBeUndefined();
    const other = sessions.get(key('Music 2'))!;
    expect(other.agentId).not.toBe(lounge.agentId);

    stack.discord.control.moveVoice(guild.guildId, botOf(lounge.agentId), guild.channels['Music 2']);

    await until(() => sessions.getById(lounge.sessionId) === undefined, 'the moved session to end');
    expect(sessions.get(key('Music 2'))?.sessionId).toBe(other.sessionId);
    expect(sessions.agentSessionInGuild(lounge.agentId, guild.guildId)).toBeUndefined();
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, botOf(lounge.agentId))?.channelId == null,
      'the moved agent to leave',
    );
  });

  it('disconnected by a moderator: the session ends (agent-disconnected), the text channel is told and the agent serves the next request', async () => {
    const sessions = stack.get(SessionRegistry);
    const session = sessions.get(key('Music 2'))!;
    const bot = botOf(session.agentId);

    stack.discord.control.moveVoice(guild.guildId, bot, null);

    await until(() => sessions.getById(session.sessionId) === undefined, 'the session to end');
    expect(sessions.agentSessionInGuild(session.agentId, guild.guildId)).toBeUndefined();
    await until(
      () =>
        said(
          `<@${bot}> was disconnected from <#${guild.channels['Music 2']}>, so the music session ended. Run /music play to start again.`,
        ),
      'the notice in the text channel',
    );
    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(
      sampleValue(metrics, 'chopsticks_session_releases_total', {
        kind: 'music',
        reason: 'agent-disconnected',
      }),
    ).toBe(2);
    // The lease ledger has the release, by the system, with that reason.
    await stack.get(LedgerWriter).flush();
    const page = await stack.get(LedgerQuery).list({ guildId: guild.guildId, limit: 200 });
    expect(
      page.items.find((row) => row.sessionId === session.sessionId && row.event === LedgerEvent.Release),
    ).toMatchObject({
      agentId: session.agentId,
      reason: 'agent-disconnected',
      actor: 'system',
    });

    // Both agents are idle again: two channels get music.
    expect((await play(ben)).error).toBeUndefined();
    expect((await play(cleo)).error).toBeUndefined();
    expect(sessions.get(key('Music 2'))).toBeDefined();
    expect(sessions.get(key('Music 3'))).toBeDefined();
  });

  it('a /music leave is not mistaken for a moderator disconnect', async () => {
    const sessions = stack.get(SessionRegistry);
    const before = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    const leave = await stack.slash(cleo, guild, 'music', { subcommand: 'leave' });
    expect(leave.error).toBeUndefined();
    expect(sessions.get(key('Music 3'))).toBeUndefined();
    const after = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    const count = (text: string, reason: string) =>
      sampleValue(text, 'chopsticks_session_releases_total', { kind: 'music', reason }) ?? 0;
    expect(count(after, 'user') - count(before, 'user')).toBe(1);
    expect(count(after, 'agent-disconnected')).toBe(count(before, 'agent-disconnected'));
  });

  it('B7 "or ended with a notice": a player the runner drops by itself (too many failed tracks) ends its session at once (session-lost) with a notice — never a busy agent with a silent player', async () => {
    const sessions = stack.get(SessionRegistry);
    for (const query of [
      'neon harbor',
      'quiet voltage',
      'copper skies',
      'glass orchard',
      'paper moon parade',
    ]) {
      const played = await stack.slash(ana, guild, 'music', { subcommand: 'play', options: { query } });
      expect(played.error).toBeUndefined();
    }
    const session = sessions.get(key('Music 1'))!;
    const bot = botOf(session.agentId);
    const player = () => stack.lavalink.control.players({ userId: bot })[0];
    // lavalink-client destroys a player after its 4th track error within 35 s.
    for (let failed = 0; failed < 4 && sessions.getById(session.sessionId); failed++) {
      await until(() => Boolean(player()?.track), 'a current track');
      const title = player()?.track?.title;
      stack.lavalink.control.failCurrentTrack(guild.guildId, 'decoder exploded', { userId: bot });
      await until(
        () => !sessions.getById(session.sessionId) || (player()?.track?.title ?? null) !== title,
        'the next track or the end of the session',
      );
    }

    await until(() => sessions.getById(session.sessionId) === undefined, 'the session to end');
    await until(
      () =>
        said(
          `⚠️ <@${bot}> lost its player in <#${guild.channels['Music 1']}>, so the music session ended. Run /music play to start again.`,
        ),
      'the notice in the text channel',
    );
    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(
      sampleValue(metrics, 'chopsticks_session_releases_total', { kind: 'music', reason: 'error' }),
    ).toBe(1);
    // The agent is free again.
    expect((await play(ana)).error).toBeUndefined();
    expect(sessions.get(key('Music 1'))?.agentId).toBe(session.agentId);
  });
});
