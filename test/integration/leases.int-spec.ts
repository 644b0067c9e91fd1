import { AgentStatus, LeasesService, PoolsExceptionCode } from '@app/pools';
import { agentInput, operator, poolInput, snowflake, user } from '../utils/factories';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(LeasesService.name, () => {
  let ctx: PoolsTestContext;
  let sut: LeasesService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.leases;
  });

  afterAll(async () => {
    await ctx.close();
  });

  /** Each test works on its own set of agents: leases from earlier tests are released first. */
  beforeEach(async () => {
    await ctx.dataSource.query(`DELETE FROM agent_leases`);
    await ctx.dataSource.query(
      `UPDATE agent_bots SET status = 'inactive' WHERE status IN ('active', 'failed')`,
    );
  });

  async function activeAgents(count: number): Promise<string[]> {
    const ownerId = snowflake();
    const pool = await ctx.pools.create(poolInput({ ownerId }), user(ownerId));
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1)
      ids.push((await ctx.agents.register(agentInput(pool.id), user(ownerId))).agent.agentId);
    return ids.sort();
  }

  it('two runners claiming concurrently never get the same agent', async () => {
    const agents = await activeAgents(12);
    const runnerA = await ctx.runners.create({ capacity: 8 }, operator);
    const runnerB = await ctx.runners.create({ capacity: 8 }, operator);
    const [a, b] = await Promise.all([
      sut.claim(runnerA.runnerId, { ttlSeconds: 60 }),
      sut.claim(runnerB.runnerId, { ttlSeconds: 60 }),
    ]);
    const overlap = a.held.filter((agentId) => b.held.includes(agentId));
    expect(overlap).toEqual([]);
    expect([...a.held, ...b.held].sort()).toEqual(agents);
    expect(Math.max(a.held.length, b.held.length)).toBeLessThanOrEqual(8);
    for (const agentId of a.held) expect(await sut.holder(agentId)).toBe(runnerA.runnerId);
    for (const agentId of b.held) expect(await sut.holder(agentId)).toBe(runnerB.runnerId);
  });

  it('many concurrent claim rounds keep every agent on exactly one runner', async () => {
    const agents = await activeAgents(10);
    const runners = await Promise.all([1, 2, 3, 4].map(() => ctx.runners.create({ capacity: 4 }, operator)));
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all(
        runners.map((runner) => sut.claim(runner.runnerId, { ttlSeconds: 60 })),
      );
      const all = results.flatMap((result) => result.held);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(agents);
    }
    const rows = await ctx.dataSource.query<{ agent_id: string }[]>(`SELECT agent_id FROM agent_leases`);
    expect(rows).toHaveLength(10);
  });

  it("a dead runner's expired leases move to another runner", async () => {
    const agents = await activeAgents(3);
    const dead = await ctx.runners.create({ capacity: 5 }, operator);
    const alive = await ctx.runners.create({ capacity: 5 }, operator);
    expect((await sut.claim(dead.runnerId, { ttlSeconds: 60 })).held).toEqual(agents);
    expect((await sut.claim(alive.runnerId, { ttlSeconds: 60 })).held).toEqual([]);
    await ctx.dataSource.query(
      `UPDATE agent_leases SET expires_at = now() - interval '1 second' WHERE runner_id = $1`,
      [dead.runnerId],
    );
    expect(await sut.holder(agents[0])).toBeNull();
    const moved = await sut.claim(alive.runnerId, { ttlSeconds: 60 });
    expect(moved.claimed).toEqual(agents);
    expect(await sut.renew(dead.runnerId, 60)).toEqual([]);
    expect((await sut.list(dead.runnerId)).map((lease) => lease.agentId)).toEqual([]);
    expect((await sut.list(alive.runnerId)).map((lease) => lease.agentId)).toEqual(agents);
  });

  it('claims up to capacity minus what the runner already holds, and renews held leases', async () => {
    await activeAgents(5);
    const runner = await ctx.runners.create({ capacity: 3 }, operator);
    const first = await sut.claim(runner.runnerId, { capacity: 2, ttlSeconds: 30 });
    expect(first.claimed).toHaveLength(2);
    const second = await sut.claim(runner.runnerId, { capacity: 10, ttlSeconds: 30 });
    expect(second.claimed).toHaveLength(1);
    expect(second.held).toHaveLength(3);
    expect(await sut.renew(runner.runnerId, 30)).toEqual(second.held);
    expect(await sut.release(runner.runnerId, [second.held[0]])).toEqual([second.held[0]]);
    expect(await sut.release(runner.runnerId)).toEqual(second.held.slice(1));
  });

  it('skips agents that are not active, or failed within their login backoff', async () => {
    const [active, suspended, backingOff] = await activeAgents(3);
    await ctx.agents.setStatus(suspended, AgentStatus.Suspended, operator);
    await ctx.agents.recordLoginFailure(backingOff, 'invalid token');
    const runner = await ctx.runners.create({ capacity: 10 }, operator);
    expect((await sut.claim(runner.runnerId)).claimed).toEqual([active]);
    await ctx.dataSource.query(
      `UPDATE agent_bots SET backoff_until = now() - interval '1 second' WHERE agent_id = $1`,
      [backingOff],
    );
    expect((await sut.claim(runner.runnerId)).claimed).toEqual([backingOff]);
  });

  it('B14: a claim runs in one transaction — a failure midway leaves no lease and no renewal behind', async () => {
    const agents = await activeAgents(3);
    const runner = await ctx.runners.create({ capacity: 3 }, operator);
    await sut.claim(runner.runnerId, { capacity: 1, ttlSeconds: 30 });
    const [before] = await ctx.dataSource.query<{ expires_at: Date }[]>(
      `SELECT expires_at FROM agent_leases WHERE runner_id = $1`,
      [runner.runnerId],
    );
    const poisoned = agents[2];
    await ctx.dataSource.query(
      `CREATE FUNCTION b14_lease_fail() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.agent_id = '${poisoned}' THEN RAISE EXCEPTION 'injected lease failure'; END IF; RETURN NEW; END $$`,
    );
    await ctx.dataSource.query(
      `CREATE TRIGGER b14_lease_fail BEFORE INSERT ON agent_leases FOR EACH ROW EXECUTE FUNCTION b14_lease_fail()`,
    );
    try {
      await expect(sut.claim(runner.runnerId, { capacity: 3, ttlSeconds: 600 })).rejects.toThrow(
        /injected lease failure/,
      );
    } finally {
      await ctx.dataSource.query(
        `DROP TRIGGER b14_lease_fail ON agent_leases; DROP FUNCTION b14_lease_fail()`,
      );
    }
    const after = await ctx.dataSource.query<{ agent_id: string; expires_at: Date }[]>(
      `SELECT agent_id, expires_at FROM agent_leases`,
    );
    expect(after).toHaveLength(1);
    expect(after[0].expires_at).toEqual(before.expires_at);
  });

  it('refuses unknown and revoked runners, and revoking a runner frees its agents', async () => {
    await activeAgents(2);
    await expect(sut.claim('runner_000000000000')).rejects.toMatchObject({
      code: PoolsExceptionCode.RunnerNotFound,
    });
    const runner = await ctx.runners.create({ capacity: 2 }, operator);
    expect((await sut.claim(runner.runnerId)).held).toHaveLength(2);
    await ctx.runners.revoke(runner.runnerId, operator);
    expect(await sut.list(runner.runnerId)).toEqual([]);
    await expect(sut.claim(runner.runnerId)).rejects.toMatchObject({
      code: PoolsExceptionCode.RunnerRevoked,
    });
  });

  it('only the lease holder may decrypt an agent token', async () => {
    const [agentId] = await activeAgents(1);
    const holder = await ctx.runners.create({ capacity: 1 }, operator);
    const other = await ctx.runners.create({ capacity: 1 }, operator);
    await sut.claim(holder.runnerId);
    await expect(ctx.agents.decryptToken(agentId, holder.runnerId)).resolves.toMatch(/\./);
    await expect(ctx.agents.decryptToken(agentId, other.runnerId)).rejects.toMatchObject({
      code: PoolsExceptionCode.LeaseNotHeld,
    });
  });
});
