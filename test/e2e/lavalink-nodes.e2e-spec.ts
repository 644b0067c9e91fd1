import { type GuildCreated, LavalinkSandbox } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import { createStack, type Stack, until } from './support/stack';

/**
 * Several Lavalink nodes (SPEC §5 "Lavalink resilience", ACCEPTANCE B9) through real processes:
 * the controller in process, one runner process whose `LAVALINK_NODES` lists two Lavalink
 * sandboxes. The node holding the player is taken down (sandbox fault: sockets closed, connections
 * refused, sessions gone); the player must move to the other node and keep playing. B7 and B8 (one
 * node restarting) are proven in `runner.e2e-spec.ts` ("Lavalink node restarts").
 */
jest.setTimeout(90_000);

describe('Lavalink nodes', () => {
  let stack: Stack;
  let second: LavalinkSandbox;
  let guild: GuildCreated;
  let ana: string;

  beforeAll(async () => {
    // Time scale 1: positions compare to wall time and the track outlives the test.
    stack = await createStack({ agentCount: 1, timeScale: 1 });
    second = await LavalinkSandbox.start({ timeScale: 1, playerUpdateIntervalMs: 100, statsIntervalMs: 500 });
    guild = stack.createGuild({ name: 'Nodes Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController();
    await stack.startRunner({
      LAVALINK_NODES: `main=${stack.lavalink.url}#youshallnotpass,second=${second.url}#youshallnotpass`,
      LAVALINK_RETRY_DELAY_MS: '200',
    });
    await stack.waitForAgents(guild.guildId, 1);
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await stack?.close();
    await second?.stop();
  });

  it('B9: when the node holding a playing player dies, the player moves to the other node and keeps playing', async () => {
    const [agentId] = [...stack.get(AgentRegistry).agentIdsInGuild(guild.guildId)];
    const botUserId = stack.get(AgentRegistry).get(agentId)!.botUserId;
    const nodes = [stack.lavalink, second];
    // Both nodes must be connected before the player is created, or there is nowhere to move.
    await until(
      () => nodes.every((node) => node.control.sessions().some((s) => s.userId === botUserId && s.connected)),
      'the agent to connect to both Lavalink nodes',
      30_000,
    );

    const played = await stack.slash(ana, guild, 'music', {
      subcommand: 'play',
      options: { query: 'quiet voltage' },
    });
    expect(played.error).toBeUndefined();
    await until(
      () =>
        nodes.some(
          (node) => node.control.players({ userId: botUserId })[0]?.track?.title === 'Quiet Voltage',
        ),
      'the track to play on one node',
    );
    const holder = nodes.find((node) => node.control.players({ userId: botUserId }).length > 0)!;
    const other = holder === stack.lavalink ? second : stack.lavalink;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = holder.control.players({ userId: botUserId })[0];
    const beforeAt = Date.now();
    expect(other.control.players({ userId: botUserId })).toEqual([]);

    await holder.control.nodeDown({ keepSessions: false });

    await until(
      () => other.control.players({ userId: botUserId })[0]?.track?.title === 'Quiet Voltage',
      'the player to move to the other node',
      15_000,
    );
    // Keeps playing: not paused, in the same voice channel, and its position advances from about
    // where it was on the dead node.
    const moved = other.control.players({ userId: botUserId })[0];
    const movedAt = Date.now();
    expect(moved).toMatchObject({
      guildId: guild.guildId,
      paused: false,
      voiceChannelId: guild.channels['Music 1'],
      track: expect.objectContaining({ identifier: before.track?.identifier }),
    });
    // ... and within 2 s of where the track would be had it never stopped (no jump ahead).
    expect(moved.position).toBeGreaterThanOrEqual(before.position);
    expect(moved.position).toBeLessThanOrEqual(before.position + (movedAt - beforeAt) + 2_000);
    await until(
      () => (other.control.players({ userId: botUserId })[0]?.position ?? 0) > moved.position,
      'the moved player to advance',
    );

    const nowPlaying = await stack.slash(ana, guild, 'music', { subcommand: 'nowplaying' });
    expect(nowPlaying.error).toBeUndefined();
    expect(JSON.stringify(nowPlaying.original?.embeds ?? [])).toContain('Quiet Voltage');
  });
});
