import { sampleValue } from '@app/metrics';
import { PoolVisibility } from '@app/pools';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry, Allocator } from '@app/sessions';
import { GuildPoolRouting } from '@apps/controller';
import { operator, snowflake } from '../utils/factories';
import { controllerUrl, createStack, type Stack } from './support/stack';

/**
 * Pool-first routing (SPEC §5) through the real controller, runner process, Postgres and the
 * sandboxes. Seven agents in three pools: A (public, the stack's pool) holds agents 0–3, B
 * (private, selected by the music guild) holds agents 4–5, C (private, selected by nobody) holds
 * agent 6. The music guild has agents 0–5; the locked guild has only agent 6. With four agents of A
 * against two of B, choosing B's two agents for the first two channels by chance is unlikely
 * (1 in 15), so the preference is what the test sees.
 */
jest.setTimeout(90_000);

describe('pool routing (controller + runner + sandboxes)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let locked: GuildCreated;
  let poolB: string;
  let poolC: string;
  const users: Record<string, string> = {};

  beforeAll(async () => {
    stack = await createStack({ agentCount: 7 });
    const { ctx } = stack;
    poolB = (
      await ctx.pools.create(
        { ownerId: snowflake(), name: 'Pool B', visibility: PoolVisibility.Private },
        operator,
      )
    ).id;
    poolC = (
      await ctx.pools.create(
        { ownerId: snowflake(), name: 'Pool C', visibility: PoolVisibility.Private },
        operator,
      )
    ).id;
    await ctx.agents.moveAgent(stack.agentIds[4], poolB, operator);
    await ctx.agents.moveAgent(stack.agentIds[5], poolB, operator);
    await ctx.agents.moveAgent(stack.agentIds[6], poolC, operator);

    guild = stack.createGuild({
      name: 'Pool B Guild',
      voiceChannels: ['Music 1', 'Music 2', 'Music 3'],
      agents: [0, 1, 2, 3, 4, 5],
    });
    locked = stack.createGuild({ name: 'Locked Guild', voiceChannels: ['Lobby'], agents: [6] });
    await ctx.guilds.upsert(guild.guildId, { selectedPoolId: poolB }, operator);
    for (const name of ['ana', 'ben', 'cy']) users[name] = stack.createUser(name, [guild]);
    users.dee = stack.createUser('dee', [locked]);

    await stack.startController();
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 6);
    await stack.waitForAgents(locked.guildId, 1);
    await stack.moveVoice(users.ana, guild, guild.channels['Music 1']);
    await stack.moveVoice(users.ben, guild, guild.channels['Music 2']);
    await stack.moveVoice(users.cy, guild, guild.channels['Music 3']);
    await stack.moveVoice(users.dee, locked, locked.channels.Lobby);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const play = (user: string, where: GuildCreated, query: string) =>
    stack.slash(users[user], where, 'music', { subcommand: 'play', options: { query } });

  const agentOf = (where: GuildCreated, channel: string) => {
    const lookup = stack.get(Allocator).lookup({
      guildId: where.guildId,
      voiceChannelId: where.channels[channel],
      kind: 'music',
    });
    return lookup.ok ? lookup.session.agentId : null;
  };

  it('every live agent knows the pool of its registration (from the lease check on announce)', () => {
    const registry = stack.get(AgentRegistry);
    expect(stack.agentIds.map((agentId) => registry.get(agentId)?.poolId)).toEqual([
      stack.poolId,
      stack.poolId,
      stack.poolId,
      stack.poolId,
      poolB,
      poolB,
      poolC,
    ]);
  });

  it('a guild that selected pool B gets the agents of pool B first, then an agent of the public pool A', async () => {
    const first = await play('ana', guild, 'neon harbor');
    const second = await play('ben', guild, 'rainy day arcade');
    expect(first.original?.embeds).toHaveLength(1);
    expect(second.original?.embeds).toHaveLength(1);
    expect([agentOf(guild, 'Music 1'), agentOf(guild, 'Music 2')].sort()).toEqual(
      [stack.agentIds[4], stack.agentIds[5]].sort(),
    );

    const third = await play('cy', guild, 'paper moon parade');
    expect(third.original?.embeds).toHaveLength(1);
    expect(stack.agentIds.slice(0, 4)).toContain(agentOf(guild, 'Music 3'));
  });

  it('a guild whose only agent is in a private pool it did not select is told pool-not-accessible', async () => {
    const result = await play('dee', locked, 'glass orchard');

    expect(result.original?.content).toBe(
      "This server's agents belong to a pool it may no longer use — a server admin can pick another pool with /pools select.",
    );
    expect(agentOf(locked, 'Lobby')).toBeNull();
    const metrics = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
    expect(
      sampleValue(metrics, 'chopsticks_session_allocations_total', {
        kind: 'music',
        outcome: 'pool-not-accessible',
      }),
    ).toBe(1);
  });

  it('once the locked guild selects pool C, its agent plays there', async () => {
    await stack.ctx.guilds.upsert(locked.guildId, { selectedPoolId: poolC }, operator);
    stack.get(GuildPoolRouting).invalidate(locked.guildId);

    const result = await play('dee', locked, 'glass orchard');

    expect(result.original?.embeds).toHaveLength(1);
    expect(agentOf(locked, 'Lobby')).toBe(stack.agentIds[6]);
  });
});
