import { sampleValue } from '@app/metrics';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, Allocator } from '@app/sessions';
import { AgentGatewayEvents, IdentityFailoverWatch, SessionFailoverService } from '@apps/controller';
import { controllerUrl, createStack, type Stack, until } from './support/stack';

/**
 * Failover when an agent's Discord identity dies but its runner lives (SPEC §5, issue 5), through
 * real processes: agent A (runner 1) plays; agent B (runner 2) is idle in the guild. A gateway
 * drop that resumes within the grace period changes nothing; a gateway closed with 4004
 * (authentication failed: discord.js never reconnects) leaves A registered but not ready, and
 * after the grace period B takes the queue over near its position while A drops its player.
 * The Lavalink emulator runs in real time (time scale 1) so track positions compare to wall time.
 */
jest.setTimeout(90_000);

const GRACE_MS = 5_000;

describe(IdentityFailoverWatch.name, () => {
  let stack: Stack;
  let guild: GuildCreated;
  let ana: string;
  let agentA: string;
  let botA: string;
  let agentB: string;
  let botB: string;
  const starts: { agentId: string; title: string }[] = [];
  const readiness: { agentId: string; ready: boolean }[] = [];
  const failovers: { lost: string; outcome: string; agentId: string | null }[] = [];

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2, timeScale: 1 });
    guild = stack.createGuild({ name: 'Identity Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController({ AGENT_NOT_READY_FAILOVER_MS: String(GRACE_MS) });
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start') starts.push({ agentId, title: event.track.title });
    });
    stack.get(AgentRegistry).events.on('agent.updated', ({ agent }) => {
      readiness.push({ agentId: agent.agentId, ready: agent.ready });
    });
    stack.get(SessionFailoverService).failoverEvents.on('session.failover', ({ lost, result }) => {
      failovers.push({ lost: lost.agentId, outcome: result.outcome, agentId: result.agentId });
    });
    await stack.startExtraRunner({ capacity: 1 });
    await stack.waitForAgents(guild.guildId, 1);
    const registry = stack.get(AgentRegistry);
    [agentA] = [...registry.agentIdsInGuild(guild.guildId)];
    botA = registry.get(agentA)!.botUserId;
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
    for (const query of ['neon harbor', 'rainy day arcade', 'paper moon parade']) {
      const played = await music('play', { query });
      expect(played.error).toBeUndefined();
    }
    await until(() => starts.some((s) => s.agentId === agentA && s.title === 'Neon Harbor'), 'track 1 on A');
    await stack.startExtraRunner({ capacity: 1 });
    await stack.waitForAgents(guild.guildId, 2);
    agentB = [...registry.agentIdsInGuild(guild.guildId)].find((id) => id !== agentA)!;
    botB = registry.get(agentB)!.botUserId;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const music = (subcommand: string, options: Record<string, string> = {}) =>
    stack.slash(ana, guild, 'music', { subcommand, options });

  const lookup = () =>
    stack.get(Allocator).lookup({
      guildId: guild.guildId,
      voiceChannelId: guild.channels['Music 1'],
      kind: 'music',
    });

  it('a gateway drop of A that resumes within the grace period keeps the session on A (no failover)', async () => {
    const registry = stack.get(AgentRegistry);
    const seen = readiness.length;
    expect(stack.discord.control.dropGateway({ botUserId: botA, mode: 'close', code: 4000 })).toEqual({
      dropped: 1,
    });
    await until(
      () => readiness.slice(seen).some((r) => r.agentId === agentA && !r.ready),
      'A to report not ready',
    );
    await until(() => registry.get(agentA)?.ready === true, 'A to resume and report ready');
    // Past the grace period measured from the drop: nothing may have failed over.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1_000));
    expect(failovers).toEqual([]);
    expect(lookup()).toMatchObject({ ok: true, session: { agentId: agentA } });
    expect(stack.get(IdentityFailoverWatch).watching).toBe(0);
    expect(stack.lavalink.control.players({ userId: botA })).toHaveLength(1);
    expect(stack.lavalink.control.players({ userId: botB })).toHaveLength(0);
  });

  it("I3: A's gateway closed with 4004 → after the grace period B takes over near the position, A drops its player, the channel is told", async () => {
    const registry = stack.get(AgentRegistry);
    const before = stack.lavalink.control.players({ userId: botA })[0];
    const beforeAt = Date.now();
    expect(before.track).toBeDefined();
    const title = before.track!.title;
    const sinceSeq = stack.lavalink.control.lastSeq;
    expect(stack.discord.control.dropGateway({ botUserId: botA, mode: 'close', code: 4004 })).toEqual({
      dropped: 1,
    });
    await until(() => registry.get(agentA)?.ready === false, 'A to report not ready');
    // The runner lives: A stays registered (not ready) the whole time.
    const started = await stack.lavalink.control.waitForEvent(
      (e) =>
        e.userId === botB &&
        e.message.op === 'event' &&
        e.message.type === 'TrackStartEvent' &&
        e.message.track.info.title === title,
      { sinceSeq, timeoutMs: GRACE_MS + 20_000 },
    );
    expect(registry.get(agentA)).toMatchObject({ ready: false });
    await until(() => failovers.length > 0, 'the failover to finish');
    expect(failovers).toEqual([{ lost: agentA, outcome: 'ok', agentId: agentB }]);
    expect(lookup()).toMatchObject({ ok: true, session: { agentId: agentB } });
    expect(stack.discord.control.getVoiceState(guild.guildId, botB)?.channelId).toBe(
      guild.channels['Music 1'],
    );
    const after = stack.lavalink.control.players({ userId: botB })[0];
    expect(after.track?.identifier).toBe(before.track?.identifier);
    // A kept playing through the grace period: B starts where A's player had got to by then.
    const startedAt = after.position - (Date.now() - started.at);
    const expected = before.position + (started.at - beforeAt);
    expect(Math.abs(startedAt - expected)).toBeLessThanOrEqual(2_000);
    // A was told to drop its player, so it never plays twice.
    await until(
      () => stack.lavalink.control.players({ userId: botA }).length === 0,
      "A's player to be dropped",
    );
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.textChannelIds[0])
          .some(
            (m) =>
              typeof m.content === 'string' &&
              m.content.startsWith(
                `🔁 <@${botA}> dropped out; <@${botB}> took over and resumed **${title}** at `,
              ),
          ),
      'the failover notice in the text channel',
    );
    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(sampleValue(metrics, 'chopsticks_session_failovers_total', { outcome: 'ok' })).toBe(1);
  });
});
