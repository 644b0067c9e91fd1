import { type GuildCreated, LavalinkSandbox } from '@app/sandbox';
import { AgentRegistry, Allocator, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, NodeOutageWatch, SessionFailoverService } from '@apps/controller';
import { createStack, type Stack, until } from './support/stack';

/**
 * A player is never left silent while its agent counts as busy (SPEC §5, ACCEPTANCE B7/B8, issue 5),
 * through real processes: agent A (runner 1) uses only the Lavalink node `main`, agent B (runner 2)
 * only the node `second`. The node of the agent holding the session is taken down past the outage
 * limit (sandbox fault: sockets closed, connections refused, sessions gone): first B, whose node
 * works, takes the queue over; then, with both nodes down, the session ends with a notice and the
 * agent is idle. Time scale 1 so track positions compare to wall time.
 */
jest.setTimeout(120_000);

const OUTAGE_SECONDS = 3;

describe(NodeOutageWatch.name, () => {
  let stack: Stack;
  let second: LavalinkSandbox;
  let guild: GuildCreated;
  let ana: string;
  let agentA: string;
  let botA: string;
  let agentB: string;
  let botB: string;
  const starts: { agentId: string; title: string }[] = [];
  const failovers: { lost: string; outcome: string; agentId: string | null }[] = [];

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2, timeScale: 1 });
    second = await LavalinkSandbox.start({ timeScale: 1, playerUpdateIntervalMs: 100, statsIntervalMs: 500 });
    guild = stack.createGuild({ name: 'Outage Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController({ LAVALINK_OUTAGE_SECONDS: String(OUTAGE_SECONDS) });
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start') starts.push({ agentId, title: event.track.title });
    });
    stack.get(SessionFailoverService).failoverEvents.on('session.failover', ({ lost, result }) => {
      failovers.push({ lost: lost.agentId, outcome: result.outcome, agentId: result.agentId });
    });
    const registry = stack.get(AgentRegistry);
    await stack.startExtraRunner({
      capacity: 1,
      env: { LAVALINK_NODES: `main=${stack.lavalink.url}#youshallnotpass`, LAVALINK_RETRY_DELAY_MS: '200' },
    });
    await stack.waitForAgents(guild.guildId, 1);
    [agentA] = [...registry.agentIdsInGuild(guild.guildId)];
    botA = registry.get(agentA)!.botUserId;
    await stack.startExtraRunner({
      capacity: 1,
      env: { LAVALINK_NODES: `second=${second.url}#youshallnotpass`, LAVALINK_RETRY_DELAY_MS: '200' },
    });
    await stack.waitForAgents(guild.guildId, 2);
    agentB = [...registry.agentIdsInGuild(guild.guildId)].find((id) => id !== agentA)!;
    botB = registry.get(agentB)!.botUserId;
    const watch = stack.get(NodeOutageWatch);
    await until(() => watch.nodeUsable(agentA) === true && watch.nodeUsable(agentB) === true, 'both nodes');
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await stack?.close();
    await second?.stop();
  });

  const music = (subcommand: string, options: Record<string, string> = {}) =>
    stack.slash(ana, guild, 'music', { subcommand, options });

  const lookup = () =>
    stack.get(Allocator).lookup({
      guildId: guild.guildId,
      voiceChannelId: guild.channels['Music 1'],
      kind: 'music',
    });

  const told = (prefix: string) =>
    stack.discord.control
      .listMessages(guild.textChannelIds[0])
      .some((m) => typeof m.content === 'string' && m.content.startsWith(prefix));

  it("B7, B8: A's only node stays down past the outage limit → B, whose node works, takes the queue over near the position", async () => {
    for (const query of ['neon harbor', 'rainy day arcade']) {
      const played = await music('play', { query });
      expect(played.error).toBeUndefined();
    }
    await until(() => starts.some((s) => s.agentId === agentA && s.title === 'Neon Harbor'), 'track 1 on A');
    expect(lookup()).toMatchObject({ ok: true, session: { agentId: agentA } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const before = stack.lavalink.control.players({ userId: botA })[0];
    const beforeAt = Date.now();
    const sinceSeq = second.control.lastSeq;

    await stack.lavalink.control.nodeDown({ keepSessions: false });
    const downAt = Date.now();
    const started = await second.control.waitForEvent(
      (e) =>
        e.userId === botB &&
        e.message.op === 'event' &&
        e.message.type === 'TrackStartEvent' &&
        e.message.track.info.title === 'Neon Harbor',
      { sinceSeq, timeoutMs: OUTAGE_SECONDS * 1000 + 20_000 },
    );
    await until(() => failovers.length > 0, 'the failover to finish');
    expect(failovers).toEqual([{ lost: agentA, outcome: 'ok', agentId: agentB }]);
    expect(lookup()).toMatchObject({ ok: true, session: { agentId: agentB } });
    expect(stack.get(SessionRegistry).isAgentBusyInGuild(agentA, guild.guildId)).toBe(false);
    // Playback stopped when the node went down: B resumes from there, not from the silent time after.
    const after = second.control.players({ userId: botB })[0];
    expect(after.track?.identifier).toBe(before.track?.identifier);
    const startedAt = after.position - (Date.now() - started.at);
    const expected = before.position + (downAt - beforeAt);
    expect(Math.abs(startedAt - expected)).toBeLessThanOrEqual(2_000);
    await until(
      () => told(`🔁 <@${botA}> dropped out; <@${botB}> took over and resumed **Neon Harbor** at `),
      'the failover notice in the text channel',
    );
  });

  it('B7, B8: with every node down past the outage limit the session ends with a notice and the agent is idle', async () => {
    await second.control.nodeDown({ keepSessions: false });
    await until(() => lookup().ok === false, 'the session to end', OUTAGE_SECONDS * 1000 + 20_000);
    expect(lookup()).toMatchObject({ ok: false });
    const sessions = stack.get(SessionRegistry);
    expect(sessions.isAgentBusyInGuild(agentB, guild.guildId)).toBe(false);
    expect(sessions.isAgentBusyInGuild(agentA, guild.guildId)).toBe(false);
    expect(failovers).toHaveLength(1);
    await until(
      () => told(`⚠️ <@${botB}> lost its audio server in <#${guild.channels['Music 1']}>`),
      'the session-ended notice in the text channel',
    );
  });
});
