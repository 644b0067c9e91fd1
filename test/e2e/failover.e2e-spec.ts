import { sampleValue } from '@app/metrics';
import { ProtocolErrorCode } from '@app/protocol';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, Allocator } from '@app/sessions';
import { AgentGatewayEvents, SessionFailoverService } from '@apps/controller';
import { createMusicFailoverStage, type MusicFailoverStage } from './support/music-failover';
import { controllerUrl, type ExtraRunner, type Stack, until } from './support/stack';
import { embedOf, field } from './support/interactions';

/**
 * Failover with queue handoff (SPEC §5, ACCEPTANCE I3, A6) through real processes: agent A on
 * runner 1 plays the second of four tracks; agent B, carried by runner 2, is idle in the guild.
 * Runner 1 is SIGKILLed; the controller sees the connection close and B takes the queue over.
 * The Lavalink emulator runs in real time (time scale 1) so track positions compare to wall time.
 */
jest.setTimeout(60_000);

describe(SessionFailoverService.name, () => {
  let stage: MusicFailoverStage;
  let stack: Stack;
  let guild: GuildCreated;
  let runner1: ExtraRunner;
  const starts: { agentId: string; title: string }[] = [];

  beforeAll(async () => {
    stage = await createMusicFailoverStage('Failover Guild');
    ({ stack, guild, runner1 } = stage);
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start') starts.push({ agentId, title: event.track.title });
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const music = (subcommand: string, options: Record<string, string> = {}) =>
    stage.music(subcommand, options);

  it('I3, A6: B joins the same voice channel, resumes track 2 near its last position, keeps tracks 3–4, and the text channel is told', async () => {
    const registry = stack.get(AgentRegistry);
    const [agentA] = [...registry.agentIdsInGuild(guild.guildId)];
    const botA = registry.get(agentA)!.botUserId;
    for (const query of ['neon harbor', 'rainy day arcade', 'paper moon parade', 'glass orchard']) {
      const played = await music('play', { query });
      expect(played.error).toBeUndefined();
    }
    await until(() => starts.some((s) => s.agentId === agentA && s.title === 'Neon Harbor'), 'track 1');
    await music('skip');
    await until(
      () => starts.some((s) => s.agentId === agentA && s.title === 'Rainy Day Arcade'),
      'track 2 to start on A',
    );

    const { agentId: agentB, botUserId: botB } = await stage.startSecondRunner(agentA);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const before = stack.lavalink.control.players({ userId: botA })[0];
    expect(before.track?.title).toBe('Rainy Day Arcade');
    const lastPosition = before.position;
    const sinceSeq = stack.lavalink.control.lastSeq;
    runner1.child.kill('SIGKILL');
    await runner1.exited;

    // A6: as soon as the controller sees the death, a lookup answers agent-offline or B.
    await until(() => registry.get(agentA) === undefined, 'the controller to drop agent A');
    const lookup = stack.get(Allocator).lookup({
      guildId: guild.guildId,
      voiceChannelId: guild.channels['Music 1'],
      kind: 'music',
    });
    if (lookup.ok) expect(lookup.session.agentId).toBe(agentB);
    else expect(lookup).toMatchObject({ error: ProtocolErrorCode.AgentOffline, agentId: agentA });

    const started = await stack.lavalink.control.waitForEvent(
      (e) =>
        e.userId === botB &&
        e.message.op === 'event' &&
        e.message.type === 'TrackStartEvent' &&
        e.message.track.info.title === 'Rainy Day Arcade',
      { sinceSeq, timeoutMs: 15_000 },
    );
    expect(stack.discord.control.getVoiceState(guild.guildId, botB)?.channelId).toBe(
      guild.channels['Music 1'],
    );
    const after = stack.lavalink.control.players({ userId: botB })[0];
    expect(after.track?.identifier).toBe(before.track?.identifier);
    // Where B started = its position now minus the time it has played since TrackStartEvent.
    const startedAt = after.position - (Date.now() - started.at);
    expect(Math.abs(startedAt - lastPosition)).toBeLessThanOrEqual(2_000);

    const after6 = stack.get(Allocator).lookup({
      guildId: guild.guildId,
      voiceChannelId: guild.channels['Music 1'],
      kind: 'music',
    });
    expect(after6).toMatchObject({ ok: true, session: { agentId: agentB } });

    const queue = embedOf(await music('queue'));
    expect(field(queue, 'Agent')).toBe(`<@${botB}>`);
    expect(queue.description).toContain('Rainy Day Arcade');
    expect(queue.description).toContain('1. [Paper Moon Parade]');
    expect(queue.description).toContain('2. [Glass Orchard]');

    await stage.untilAnnounced(
      `🔁 <@${botA}> dropped out; <@${botB}> took over and resumed **Rainy Day Arcade** at `,
      'the failover notice in the text channel',
    );
    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(sampleValue(metrics, 'chopsticks_session_failovers_total', { outcome: 'ok' })).toBe(1);
  });
});
