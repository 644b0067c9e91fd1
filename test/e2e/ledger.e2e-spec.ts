import { LedgerEvent, type LedgerEntryView, LedgerQuery, LedgerWriter } from '@app/ledger';
import { sampleValue } from '@app/metrics';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, Allocator } from '@app/sessions';
import { QueueSnapshots } from '@apps/controller';
import { controllerUrl, createStack, type ExtraRunner, type Stack, until } from './support/stack';

/**
 * The lease ledger (issue 5) fed by the real controller: `/music play` and `/music leave` through
 * the Discord sandbox, a real runner process, and a failover after that runner is SIGKILLed; the
 * rows are read back from Postgres with `LedgerQuery`.
 */
jest.setTimeout(90_000);

describe('lease ledger (controller + runners + sandboxes)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let ana: string;
  let runner1: ExtraRunner;
  let agentA: string;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2, timeScale: 1 });
    guild = stack.createGuild({ name: 'Ledger Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController();
    runner1 = await stack.startExtraRunner({ capacity: 1 });
    await stack.waitForAgents(guild.guildId, 1);
    [agentA] = [...stack.get(AgentRegistry).agentIdsInGuild(guild.guildId)];
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const music = (subcommand: string, options: Record<string, string> = {}) =>
    stack.slash(ana, guild, 'music', { subcommand, options });

  /** Every ledger row of the guild, oldest first, after writing what the controller buffered. */
  async function ledgerRows(): Promise<LedgerEntryView[]> {
    await stack.get(LedgerWriter).flush();
    const page = await stack.get(LedgerQuery).list({ guildId: guild.guildId, limit: 200 });
    return [...page.items].reverse();
  }

  it('records the allocation of /music play (actor: the user) and its release by /music leave', async () => {
    const played = await music('play', { query: 'neon harbor' });
    expect(played.error).toBeUndefined();
    const left = await music('leave');
    expect(left.error).toBeUndefined();

    const rows = await ledgerRows();
    expect(rows.map((row) => [row.event, row.agentId, row.reason, row.actor])).toEqual([
      [LedgerEvent.Allocate, agentA, 'allocation', ana],
      [LedgerEvent.Release, agentA, 'user', ana],
    ]);
    const [allocate, release] = rows;
    for (const row of rows) {
      expect(row).toMatchObject({
        kind: 'music',
        channelId: guild.channels['Music 1'],
        previousAgentId: null,
      });
    }
    expect(release.sessionId).toBe(allocate.sessionId);
    expect(allocate.latencySeconds).toBeGreaterThan(0);
    expect(release.latencySeconds).toBeNull();
    expect(release.occurredAt.getTime()).toBeGreaterThanOrEqual(allocate.occurredAt.getTime());

    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(sampleValue(metrics, 'chopsticks_ledger_rows_written_total')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'buffer-full' })).toBe(0);
  });

  it('records a failover: the dead agent released by the system, the new agent allocated, and the handoff with its latency', async () => {
    const before = (await ledgerRows()).length;
    const played = await music('play', { query: 'rainy day arcade' });
    expect(played.error).toBeUndefined();
    const snapshots = stack.get(QueueSnapshots);
    await until(() => snapshots.isPlaying(agentA, guild.guildId), 'agent A to report playing');
    await stack.startExtraRunner({ capacity: 1 });
    await stack.waitForAgents(guild.guildId, 2);
    const agentB = [...stack.get(AgentRegistry).agentIdsInGuild(guild.guildId)].find((id) => id !== agentA)!;

    runner1.child.kill('SIGKILL');
    await runner1.exited;
    let rows: LedgerEntryView[] = [];
    for (let polls = 0; !rows.some((row) => row.event === LedgerEvent.Failover); polls++) {
      if (polls > 300) throw new Error(`no failover row; rows: ${JSON.stringify(rows)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = (await ledgerRows()).slice(before);
    }

    expect(rows.map((row) => [row.event, row.agentId, row.previousAgentId, row.reason, row.actor])).toEqual([
      [LedgerEvent.Allocate, agentA, null, 'allocation', ana],
      [LedgerEvent.Release, agentA, null, 'agent-offline', 'system'],
      [LedgerEvent.Allocate, agentB, null, 'failover', 'system'],
      [LedgerEvent.Failover, agentB, agentA, 'ok', 'system'],
    ]);
    const [allocated, released, takenOver, failover] = rows;
    expect(released.sessionId).toBe(allocated.sessionId);
    expect(failover.sessionId).toBe(allocated.sessionId);
    expect(takenOver.sessionId).not.toBe(allocated.sessionId);
    expect(failover.latencySeconds).toBeGreaterThan(0);
    expect(failover.occurredAt.getTime()).toBeGreaterThanOrEqual(takenOver.occurredAt.getTime());
  });

  it('records nothing for a controller restart: its own shutdown is no release, the restored session no allocation', async () => {
    const key = { guildId: guild.guildId, voiceChannelId: guild.channels['Music 1'], kind: 'music' as const };
    const session = stack.get(Allocator).lookup(key);
    expect(session.ok).toBe(true);
    const before = await ledgerRows();

    await stack.restartController();
    await stack.waitForAgents(guild.guildId, 1);
    await until(() => stack.get(Allocator).lookup(key).ok, 'the session to be restored');

    expect(stack.get(Allocator).lookup(key)).toMatchObject({
      ok: true,
      session: { agentId: session.ok ? session.session.agentId : null },
    });
    expect(await ledgerRows()).toEqual(before);
  });
});
