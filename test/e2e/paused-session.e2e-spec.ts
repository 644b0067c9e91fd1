import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, Allocator } from '@app/sessions';
import { AgentGatewayEvents, QueueSnapshots } from '@apps/controller';
import { createMusicFailoverStage, type MusicFailoverStage } from './support/music-failover';
import { type ExtraRunner, type Stack, until } from './support/stack';

/**
 * The paused state survives a controller restart and a failover (SPEC §5, ACCEPTANCE A10, I3):
 * agent A (runner 1) plays and is paused with /music pause; its session reports say so
 * (`queue.paused`). The controller restarts and learns the paused state again from the sessions
 * A reports on reconnect. Runner 1 is then SIGKILLed; agent B (runner 2) takes the queue over and
 * its Lavalink player starts paused at A's position, until /music resume. The Lavalink emulator
 * runs in real time (time scale 1).
 */
jest.setTimeout(90_000);

describe('paused music sessions (controller restart + failover)', () => {
  let stage: MusicFailoverStage;
  let stack: Stack;
  let guild: GuildCreated;
  let runner1: ExtraRunner;

  beforeAll(async () => {
    stage = await createMusicFailoverStage('Paused Guild');
    ({ stack, guild, runner1 } = stage);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const music = (subcommand: string, options: Record<string, string> = {}) =>
    stage.music(subcommand, options);

  it('I3, A10: a paused player is reported paused, stays paused across a controller restart, and a failover resumes it paused at the same position', async () => {
    const registry = () => stack.get(AgentRegistry);
    const [agentA] = [...registry().agentIdsInGuild(guild.guildId)];
    const botA = registry().get(agentA)!.botUserId;
    let startedOnA = false;
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (agentId === agentA && event.name === 'track.start') startedOnA = true;
    });
    expect((await music('play', { query: 'neon harbor' })).error).toBeUndefined();
    expect((await music('play', { query: 'rainy day arcade' })).error).toBeUndefined();
    await until(() => startedOnA, 'the first track to start on A');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const paused = await music('pause');
    expect(paused.original?.content).toBe(`⏸️ <@${botA}> paused. Continue with /music resume.`);
    const latestOfA = () => stack.get(QueueSnapshots).latest(agentA, guild.guildId)?.report.queue;
    await until(() => latestOfA()?.paused === true, 'a session report of A saying paused');
    const pausedAt = stack.lavalink.control.players({ userId: botA })[0];
    expect(pausedAt.paused).toBe(true);
    expect(pausedAt.track?.title).toBe('Neon Harbor');

    await stack.restartController();
    await stack.waitForAgents(guild.guildId, 1);
    await until(() => latestOfA()?.paused === true, 'the restarted controller to learn the paused state');
    expect(latestOfA()?.current?.positionMs).toBe(pausedAt.position);
    expect(stack.get(QueueSnapshots).isPlaying(agentA, guild.guildId)).toBe(false);
    expect(stack.lavalink.control.players({ userId: botA })[0]).toMatchObject({
      paused: true,
      position: pausedAt.position,
    });

    const { agentId: agentB, botUserId: botB } = await stage.startSecondRunner(agentA);
    runner1.child.kill('SIGKILL');
    await runner1.exited;

    await until(
      () => stack.lavalink.control.players({ userId: botB })[0]?.track?.title === 'Neon Harbor',
      'B to load the paused track',
    );
    const onB = stack.lavalink.control.players({ userId: botB })[0];
    expect(onB.paused).toBe(true);
    expect(onB.position).toBe(pausedAt.position);
    expect(stack.discord.control.getVoiceState(guild.guildId, botB)?.channelId).toBe(
      guild.channels['Music 1'],
    );
    await stage.untilAnnounced(
      `🔁 <@${botA}> dropped out; <@${botB}> took over and kept **Neon Harbor** paused at `,
      'the failover notice saying the track stays paused',
    );
    expect(
      stack
        .get(Allocator)
        .lookup({ guildId: guild.guildId, voiceChannelId: guild.channels['Music 1'], kind: 'music' }),
    ).toMatchObject({ ok: true, session: { agentId: agentB } });
    await until(
      () => stack.get(QueueSnapshots).latest(agentB, guild.guildId)?.report.queue?.paused === true,
      'a session report of B saying paused',
    );

    const resumed = await music('resume');
    expect(resumed.original?.content).toBe(`▶️ <@${botB}> resumed.`);
    await until(
      () => stack.lavalink.control.players({ userId: botB })[0]?.paused === false,
      'B to play again',
    );
    await until(() => stack.get(QueueSnapshots).isPlaying(agentB, guild.guildId), 'a report of B playing');
  });
});
