import { LedgerEvent, LedgerQuery, LedgerWriter } from '@app/ledger';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, QueueSnapshots, SessionFailoverService } from '@apps/controller';
import { createStack, type ExtraRunner, type Stack, until } from './support/stack';

/**
 * Failover when the takeover agent dies too (SPEC §5, ACCEPTANCE I3): agent A plays a queue, A's
 * runner is SIGKILLed, and the runner of the agent the failover picks (B) is SIGKILLed the moment
 * the controller binds it — while `session.resume` to B is in flight. The same failover hands the
 * queue to the third agent C; the text channel gets one truthful notice (C took over, nothing
 * "stopped") and the lease ledger one failover row (A → C, ok). Every agent runs in its own runner
 * process; the Lavalink emulator runs in real time.
 */
jest.setTimeout(90_000);

describe(`${SessionFailoverService.name} — the takeover agent dies during session.resume`, () => {
  let stack: Stack;
  let guild: GuildCreated;
  let ana: string;
  const runners: ExtraRunner[] = [];
  const starts: { agentId: string; title: string }[] = [];

  beforeAll(async () => {
    stack = await createStack({ agentCount: 3, timeScale: 1 });
    guild = stack.createGuild({ name: 'Takeover Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController();
    stack.get(AgentGatewayEvents).on('agent.event', ({ agentId, event }) => {
      if (event.name === 'track.start') starts.push({ agentId, title: event.track.title });
    });
    runners.push(await stack.startExtraRunner({ capacity: 1 }));
    await stack.waitForAgents(guild.guildId, 1);
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('I3: a third agent takes the queue over; one "took over" notice, no "stopped" notice, one failover ledger row', async () => {
    const key = { guildId: guild.guildId, voiceChannelId: guild.channels['Music 1'], kind: 'music' as const };
    const sessions = stack.get(SessionRegistry);
    const registry = stack.get(AgentRegistry);
    const textChannelId = guild.textChannelIds[0];
    for (const query of ['neon harbor', 'rainy day arcade', 'paper moon parade']) {
      const played = await stack.slash(ana, guild, 'music', { subcommand: 'play', options: { query } });
      expect(played.error).toBeUndefined();
    }
    const agentA = sessions.get(key)!.agentId;
    await until(() => starts.some((s) => s.agentId === agentA && s.title === 'Neon Harbor'), 'track 1 on A');
    runners.push(await stack.startExtraRunner({ capacity: 1 }));
    runners.push(await stack.startExtraRunner({ capacity: 1 }));
    await stack.waitForAgents(guild.guildId, 3);
    // A's report of the whole queue reaches the controller (the failover resumes from it).
    const snapshots = stack.get(QueueSnapshots);
    await until(() => {
      const queue = snapshots.latest(agentA, guild.guildId)?.report.queue;
      return queue?.current?.track.title === 'Neon Harbor' && queue.upcoming.length === 2;
    }, "A's queue report");
    const runnerOf = (agentId: string): ExtraRunner => {
      const runner = runners.find((r) => r.runnerId === registry.get(agentId)?.runnerId);
      if (!runner) throw new Error(`no runner carries ${agentId}`);
      return runner;
    };
    const botOf = new Map(
      [...registry.agentIdsInGuild(guild.guildId)].map((id) => [id, registry.get(id)!.botUserId]),
    );
    const messagesBefore = stack.discord.control.listMessages(textChannelId).length;
    const from = new Date(Date.now() - 1_000);

    // Kill the first takeover agent's runner as soon as the failover binds it (session.resume pending).
    let agentB: string | undefined;
    const unsubscribe = sessions.events.on('session.bound', ({ session, origin }) => {
      if (origin !== 'failover' || agentB !== undefined) return;
      agentB = session.agentId;
      runnerOf(agentB).child.kill('SIGKILL');
    });
    try {
      runnerOf(agentA).child.kill('SIGKILL');
      await until(
        () => agentB !== undefined && registry.get(agentB) === undefined,
        'B to be bound, then lost',
      );
      await until(() => {
        const session = sessions.get(key);
        return session !== undefined && session.agentId !== agentA && session.agentId !== agentB;
      }, 'a third agent to hold the session');
    } finally {
      unsubscribe();
    }
    const agentC = sessions.get(key)!.agentId;
    const botC = botOf.get(agentC)!;
    const played = await stack.lavalink.control.waitForEvent(
      (e) => e.userId === botC && e.message.op === 'event' && e.message.type === 'TrackStartEvent',
      { sinceSeq: 0, timeoutMs: 20_000 },
    );
    expect(
      played.message.op === 'event' &&
        played.message.type === 'TrackStartEvent' &&
        played.message.track.info.title,
    ).toBe('Neon Harbor');
    const notices = (): string[] =>
      stack.discord.control
        .listMessages(textChannelId)
        .slice(messagesBefore)
        .map((message) => (typeof message.content === 'string' ? message.content : ''));
    await until(() => notices().some((text) => text.includes('took over')), 'the takeover notice');

    const texts = notices();
    expect(texts.filter((text) => text.includes('took over'))).toEqual([
      expect.stringContaining(`<@${botC}> took over and resumed **Neon Harbor**`) as unknown as string,
    ]);
    expect(texts.filter((text) => text.includes('stopped'))).toEqual([]);
    expect(texts.filter((text) => text.includes(`<@${botOf.get(agentB!)!}>`))).toEqual([]);

    const writer = stack.get(LedgerWriter);
    await writer.flush();
    const page = await stack
      .get(LedgerQuery)
      .list({ guildId: guild.guildId, from, event: LedgerEvent.Failover });
    expect(
      page.items.map(({ agentId, previousAgentId, reason }) => ({ agentId, previousAgentId, reason })),
    ).toEqual([{ agentId: agentC, previousAgentId: agentA, reason: 'ok' }]);
    const releases = await stack
      .get(LedgerQuery)
      .list({ guildId: guild.guildId, from, event: LedgerEvent.Release });
    expect(
      releases.items
        .map(({ agentId, reason }) => ({ agentId, reason }))
        .sort((a, b) => a.agentId!.localeCompare(b.agentId!)),
    ).toEqual(
      [
        { agentId: agentA, reason: 'agent-offline' },
        { agentId: agentB, reason: 'agent-offline' },
      ].sort((a, b) => a.agentId!.localeCompare(b.agentId!)),
    );
  });
});
