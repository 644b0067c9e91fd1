import { PoolVisibility } from '@app/pools';
import { ProtocolErrorCode } from '@app/protocol';
import { AgentRegistry, Allocator, SessionRegistry } from '@app/sessions';
import { GuildPoolRouting } from '@apps/controller';
import { operator, snowflake } from '../utils/factories';
import { createPoolsTestContext, type PoolsTestContext } from '../utils/pools-context';

/**
 * Pool routing of allocations (SPEC §5) over the real `GuildSettingsService` and `PoolsService`
 * on Postgres: which pools a guild may use, which it prefers, and how long an answer is reused.
 */
describe(GuildPoolRouting.name, () => {
  let ctx: PoolsTestContext;
  let now: number;
  let sut: GuildPoolRouting;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
  });

  beforeEach(() => {
    now = 1_000_000;
    sut = new GuildPoolRouting(ctx.guilds, ctx.pools, { ttlMs: 5_000, clock: () => now });
  });

  afterAll(async () => {
    await ctx?.close();
  });

  const createPool = (visibility: PoolVisibility) =>
    ctx.pools.create({ ownerId: snowflake(), name: `${visibility} pool`, visibility }, operator);

  it('a guild may use every public pool and the pool it selected, never another private pool', async () => {
    const open = await createPool(PoolVisibility.Public);
    const selected = await createPool(PoolVisibility.Private);
    const other = await createPool(PoolVisibility.Private);
    const guildId = snowflake();
    await ctx.guilds.upsert(guildId, { selectedPoolId: selected.id }, operator);

    const routing = await sut.forGuild(guildId);

    expect(routing.preferredPoolId).toBe(selected.id);
    expect([...routing.accessiblePoolIds]).toContain(open.id);
    expect([...routing.accessiblePoolIds]).toContain(selected.id);
    expect(routing.accessiblePoolIds.has(other.id)).toBe(false);

    const unset = await sut.forGuild(snowflake());
    expect(unset.preferredPoolId).toBeNull();
    expect([...unset.accessiblePoolIds]).toContain(open.id);
    expect(unset.accessiblePoolIds.has(selected.id)).toBe(false);
  });

  it('serves the cached routing until the TTL passes, then reads the new selection', async () => {
    const first = await createPool(PoolVisibility.Public);
    const second = await createPool(PoolVisibility.Public);
    const guildId = snowflake();
    await ctx.guilds.upsert(guildId, { selectedPoolId: first.id }, operator);
    expect((await sut.forGuild(guildId)).preferredPoolId).toBe(first.id);

    await ctx.guilds.upsert(guildId, { selectedPoolId: second.id }, operator);
    now += 4_999;
    expect((await sut.forGuild(guildId)).preferredPoolId).toBe(first.id);
    now += 1;
    expect((await sut.forGuild(guildId)).preferredPoolId).toBe(second.id);

    await ctx.guilds.upsert(guildId, { selectedPoolId: first.id }, operator);
    sut.invalidate(guildId);
    expect((await sut.forGuild(guildId)).preferredPoolId).toBe(first.id);
  });

  it('a pool made private stops being accessible once the cache expires', async () => {
    const pool = await createPool(PoolVisibility.Public);
    const guildId = snowflake();
    expect([...(await sut.forGuild(guildId)).accessiblePoolIds]).toContain(pool.id);
    await ctx.pools.setVisibility(pool.id, PoolVisibility.Private, operator);
    now += 5_000;
    expect((await sut.forGuild(guildId)).accessiblePoolIds.has(pool.id)).toBe(false);
  });

  it('A9: 200 concurrent requests that read the routing and then allocate never double-book, keep the 49 cap, and use the selected pool first', async () => {
    const selected = await createPool(PoolVisibility.Private);
    const open = await createPool(PoolVisibility.Public);
    const locked = await createPool(PoolVisibility.Private);
    const guildId = snowflake();
    await ctx.guilds.upsert(guildId, { selectedPoolId: selected.id }, operator);
    const agents = new AgentRegistry();
    const sessions = new SessionRegistry(agents);
    const allocator = new Allocator(agents, sessions);
    const poolOf = (i: number) => (i < 30 ? selected.id : i < 60 ? open.id : locked.id);
    for (let i = 0; i < 70; i++) {
      agents.upsert({
        agentId: `agent${i}`,
        runnerId: 'runner-1',
        connectionId: 'conn-1',
        clientId: String(i),
        ready: true,
        guilds: [guildId],
        poolId: poolOf(i),
      });
    }

    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const routing = await sut.forGuild(guildId);
        return allocator.allocate({
          guildId,
          voiceChannelId: String(200000000000000000n + BigInt(i)),
          kind: 'music',
          userId: snowflake(),
          ...routing,
        });
      }),
    );

    const bound = results.flatMap((result) => (result.ok ? [result.agent] : []));
    expect(bound).toHaveLength(49);
    expect(new Set(bound.map((agent) => agent.agentId)).size).toBe(49);
    expect(bound.filter((agent) => agent.poolId === selected.id)).toHaveLength(30);
    expect(bound.filter((agent) => agent.poolId === open.id)).toHaveLength(19);
    expect(bound.filter((agent) => agent.poolId === locked.id)).toHaveLength(0);
    expect(
      results.filter((result) => !result.ok && result.reason === ProtocolErrorCode.NoFreeAgents),
    ).toHaveLength(151);
    expect(sessions.countInGuild(guildId)).toBe(49);
  });

  it('concurrent misses for one guild share one load and one answer', async () => {
    const guildId = snowflake();
    const answers = await Promise.all(Array.from({ length: 50 }, () => sut.forGuild(guildId)));
    expect(new Set(answers).size).toBe(1);
  });

  it('keeps serving the last known routing when Postgres fails, and fails without one', async () => {
    const other = await createPoolsTestContext();
    const detached = new GuildPoolRouting(other.guilds, other.pools, { ttlMs: 5_000, clock: () => now });
    const pool = await other.pools.create(
      { ownerId: snowflake(), name: 'private pool', visibility: PoolVisibility.Private },
      operator,
    );
    const guildId = snowflake();
    await other.guilds.upsert(guildId, { selectedPoolId: pool.id }, operator);
    expect((await detached.forGuild(guildId)).preferredPoolId).toBe(pool.id);
    await other.close();
    now += 10_000;
    expect((await detached.forGuild(guildId)).preferredPoolId).toBe(pool.id);
    await expect(detached.forGuild(snowflake())).rejects.toThrow();
  });
});
