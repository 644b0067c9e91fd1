import { AuditEvent } from '@app/access';
import { PoolMemberRole, PoolsException, PoolsExceptionCode, PoolsService, PoolVisibility } from '@app/pools';
import { agentInput, operator, poolInput, snowflake, user } from '../utils/factories';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(PoolsService.name, () => {
  let ctx: PoolsTestContext;
  let sut: PoolsService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.pools;
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('K1: a user creates pool_<id>, becomes owner, and a second create is refused', async () => {
    const ownerId = snowflake();
    const pool = await sut.create(poolInput({ ownerId, name: 'My pool' }), user(ownerId));
    expect(pool.id).toBe(`pool_${ownerId}`);
    expect(pool.ownerId).toBe(ownerId);
    expect(pool.visibility).toBe(PoolVisibility.Private);
    expect(pool.maxAgents).toBe(49);
    expect(pool.maxContributionsPerUser).toBe(3);
    expect(await sut.roleOf(pool.id, ownerId)).toBe(PoolMemberRole.Owner);

    const second = sut.create(poolInput({ ownerId, name: 'Another' }), user(ownerId));
    await expect(second).rejects.toThrow(PoolsException);
    await expect(sut.create(poolInput({ ownerId }), user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolExists,
      message: expect.stringContaining('already owns a pool'),
    });
  });

  it('K1: concurrent creates for the same user produce exactly one pool', async () => {
    const ownerId = snowflake();
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => sut.create(poolInput({ ownerId }), user(ownerId))),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(result.reason).toMatchObject({ code: PoolsExceptionCode.PoolExists });
    }
  });

  it('refuses max_agents above 49 in code and in the database CHECK', async () => {
    await expect(sut.create(poolInput({ maxAgents: 50 }), operator)).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidInput,
    });
    const pool = await sut.create(poolInput(), operator);
    await expect(
      ctx.dataSource.query(`UPDATE agent_pools SET max_agents = 50 WHERE id = $1`, [pool.id]),
    ).rejects.toThrow(/CHK_agent_pools_max_agents/);
  });

  it('K2: transfer makes V owner and the former owner manager, with an audit event', async () => {
    const u = snowflake();
    const v = snowflake();
    const pool = await sut.create(poolInput({ ownerId: u }), user(u));
    const transferred = await sut.transfer(pool.id, u, v, user(u));
    expect(transferred.ownerId).toBe(v);
    expect(await sut.roleOf(pool.id, v)).toBe(PoolMemberRole.Owner);
    expect(await sut.roleOf(pool.id, u)).toBe(PoolMemberRole.Manager);
    const events = await ctx.audit.list({ targetType: 'pool', targetId: pool.id });
    expect(events.map((event) => event.action)).toContain('pool.transfer');
    expect(events.find((event) => event.action === 'pool.transfer')?.payload).toEqual({ from: u, to: v });
  });

  it('K2: only the owner can transfer', async () => {
    const u = snowflake();
    const pool = await sut.create(poolInput({ ownerId: u }), user(u));
    const stranger = snowflake();
    await expect(sut.transfer(pool.id, u, snowflake(), user(stranger))).rejects.toMatchObject({
      code: PoolsExceptionCode.Forbidden,
    });
    await expect(sut.transfer(pool.id, stranger, snowflake(), user(stranger))).rejects.toMatchObject({
      code: PoolsExceptionCode.Forbidden,
    });
  });

  it('B14: every statement of a transfer runs in one transaction on one connection', async () => {
    const u = snowflake();
    const v = snowflake();
    const pool = await sut.create(poolInput({ ownerId: u }), user(u));
    await ctx.dataSource.query(`CREATE TABLE b14_trace (tbl text, txid bigint, pid int)`);
    await ctx.dataSource.query(
      `CREATE FUNCTION b14_trace_fn() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO b14_trace VALUES (TG_TABLE_NAME, txid_current(), pg_backend_pid()); RETURN NEW; END $$`,
    );
    for (const table of ['agent_pools', 'pool_members', 'audit_events']) {
      await ctx.dataSource.query(
        `CREATE TRIGGER b14_trace_${table} AFTER INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION b14_trace_fn()`,
      );
    }
    try {
      await sut.transfer(pool.id, u, v, user(u));
      const trace =
        await ctx.dataSource.query<{ tbl: string; txid: string; pid: number }[]>(`SELECT * FROM b14_trace`);
      expect(new Set(trace.map((row) => row.tbl))).toEqual(
        new Set(['agent_pools', 'pool_members', 'audit_events']),
      );
      expect(new Set(trace.map((row) => row.txid)).size).toBe(1);
      expect(new Set(trace.map((row) => row.pid)).size).toBe(1);
    } finally {
      for (const table of ['agent_pools', 'pool_members', 'audit_events'])
        await ctx.dataSource.query(`DROP TRIGGER b14_trace_${table} ON ${table}`);
      await ctx.dataSource.query(`DROP FUNCTION b14_trace_fn() CASCADE; DROP TABLE b14_trace`);
    }
  });

  it('B14: a failure at the last step of a transfer (audit insert) rolls every change back', async () => {
    const u = snowflake();
    const v = snowflake();
    const pool = await sut.create(poolInput({ ownerId: u }), user(u));
    await ctx.dataSource.query(
      `CREATE FUNCTION b14_fail_fn() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.action = 'pool.transfer' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`,
    );
    await ctx.dataSource.query(
      `CREATE TRIGGER b14_fail BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION b14_fail_fn()`,
    );
    try {
      await expect(sut.transfer(pool.id, u, v, user(u))).rejects.toThrow(/injected failure/);
    } finally {
      await ctx.dataSource.query(`DROP TRIGGER b14_fail ON audit_events; DROP FUNCTION b14_fail_fn()`);
    }
    expect((await sut.get(pool.id)).ownerId).toBe(u);
    expect(await sut.roleOf(pool.id, u)).toBe(PoolMemberRole.Owner);
    expect(await sut.roleOf(pool.id, v)).toBeNull();
  });

  it('lists private pools only to their members and hides them from others', async () => {
    const owner = snowflake();
    const viewer = snowflake();
    const stranger = snowflake();
    const privatePool = await sut.create(poolInput({ ownerId: owner }), user(owner));
    const publicOwner = snowflake();
    const publicPool = await sut.create(poolInput({ ownerId: publicOwner }), user(publicOwner));
    await sut.setVisibility(publicPool.id, PoolVisibility.Public, user(publicOwner));
    await sut.grantMember(privatePool.id, viewer, PoolMemberRole.Viewer, user(owner));

    const strangerSees = (await sut.list(stranger)).map((pool) => pool.id);
    expect(strangerSees).toContain(publicPool.id);
    expect(strangerSees).not.toContain(privatePool.id);
    expect((await sut.list(viewer)).map((pool) => pool.id)).toContain(privatePool.id);
    await expect(sut.get(privatePool.id, stranger)).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolNotFound,
    });
    expect((await sut.get(privatePool.id, viewer)).id).toBe(privatePool.id);
  });

  it('enforces member roles on grants, revokes and visibility', async () => {
    const owner = snowflake();
    const managerId = snowflake();
    const contributor = snowflake();
    const pool = await sut.create(poolInput({ ownerId: owner }), user(owner));
    await sut.grantMember(pool.id, managerId, PoolMemberRole.Manager, user(owner));
    await sut.grantMember(pool.id, contributor, PoolMemberRole.Contributor, user(managerId));
    await expect(
      sut.grantMember(pool.id, snowflake(), PoolMemberRole.Manager, user(managerId)),
    ).rejects.toMatchObject({ code: PoolsExceptionCode.Forbidden });
    await expect(sut.setVisibility(pool.id, PoolVisibility.Public, user(contributor))).rejects.toMatchObject({
      code: PoolsExceptionCode.Forbidden,
    });
    await expect(sut.revokeMember(pool.id, owner, user(owner))).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidInput,
    });
    await sut.revokeMember(pool.id, contributor, user(managerId));
    expect((await sut.members(pool.id)).map((member) => [member.userId, member.role])).toEqual([
      [owner, PoolMemberRole.Owner],
      [managerId, PoolMemberRole.Manager],
    ]);
  });

  it('refuses to delete a pool while agents are registered, then deletes it', async () => {
    const owner = snowflake();
    const pool = await sut.create(poolInput({ ownerId: owner }), user(owner));
    const { agent } = await ctx.agents.register(agentInput(pool.id), user(owner));
    await expect(sut.delete(pool.id, user(owner))).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolNotEmpty,
    });
    await ctx.dataSource.query(`DELETE FROM agent_bots WHERE agent_id = $1`, [agent.agentId]);
    await sut.delete(pool.id, user(owner));
    await expect(sut.get(pool.id)).rejects.toMatchObject({ code: PoolsExceptionCode.PoolNotFound });
    const events = await ctx.dataSource
      .getRepository(AuditEvent)
      .find({ where: { targetId: pool.id, action: 'pool.delete' } });
    expect(events).toHaveLength(1);
  });

  it('a pool whose agents were all revoked can be deleted; the revoked rows go with it and the bots stay revoked (QA6, K3)', async () => {
    const owner = snowflake();
    const pool = await sut.create(poolInput({ ownerId: owner }), user(owner));
    const input = agentInput(pool.id);
    const { agent } = await ctx.agents.register(input, user(owner));
    await ctx.agents.revoke(agent.agentId, user(owner));

    await sut.delete(pool.id, user(owner));

    await expect(sut.get(pool.id)).rejects.toMatchObject({ code: PoolsExceptionCode.PoolNotFound });
    const rows = await ctx.dataSource.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM agent_bots WHERE agent_id = $1',
      [agent.agentId],
    );
    expect(rows[0].n).toBe('0');
    const [event] = await ctx.dataSource
      .getRepository(AuditEvent)
      .find({ where: { targetId: pool.id, action: 'pool.delete' } });
    expect(event.payload).toEqual({ revokedAgentsRemoved: [agent.agentId] });
    // The owner creates the pool again: the revoked bot is still refused.
    const again = await sut.create(poolInput({ ownerId: owner }), user(owner));
    await expect(ctx.agents.register({ ...input, poolId: again.id }, user(owner))).rejects.toMatchObject({
      code: PoolsExceptionCode.AgentRevoked,
    });
  });

  it('create after a transfer names the pool that holds the id, not a pool the user does not own (QA6)', async () => {
    const former = snowflake();
    const next = snowflake();
    const pool = await sut.create(poolInput({ ownerId: former }), user(former));
    await sut.transfer(pool.id, former, next, user(former));

    await expect(sut.create(poolInput({ ownerId: former }), user(former))).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolExists,
      message: `User ${former} cannot create a pool: its id ${pool.id} belongs to the pool they created and transferred (now owned by ${next}); pool ids are pool_<creator id>.`,
    });
    await expect(sut.create(poolInput({ ownerId: next }), user(next))).rejects.toMatchObject({
      message: expect.stringContaining(`already owns a pool (${pool.id})`),
    });
  });
});
