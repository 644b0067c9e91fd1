import { DEFAULT_RUNNER_CAPACITY, RunnersService } from '@app/pools';
import { operator } from '../utils/factories';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(RunnersService.name, () => {
  let ctx: PoolsTestContext;
  let sut: RunnersService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.runners;
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('issues a credential once, stores only its hash and verifies it', async () => {
    const created = await sut.create({ capacity: 4 }, operator);
    expect(created.runnerId).toMatch(/^runner_[a-f0-9]{12}$/);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await ctx.dataSource.query<{ credential_hash: string }[]>(
      `SELECT credential_hash FROM agent_runners WHERE runner_id = $1`,
      [created.runnerId],
    );
    expect(row.credential_hash).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(row.credential_hash).not.toContain(created.secret);
    expect((await sut.verify(created.runnerId, created.secret))?.runnerId).toBe(created.runnerId);
    expect(
      await sut.verify(
        created.runnerId,
        `${created.secret.slice(0, -1)}${created.secret.endsWith('A') ? 'B' : 'A'}`,
      ),
    ).toBeNull();
    expect(await sut.verify('runner_ffffffffffff', created.secret)).toBeNull();
    expect(JSON.stringify(await sut.list())).not.toContain(created.secret);
  });

  it('a revoked runner no longer verifies; touch records last seen', async () => {
    const created = await sut.create({}, operator);
    const seen = new Date('2031-05-05T05:05:05Z');
    await sut.touch(created.runnerId, seen);
    expect((await sut.list()).find((runner) => runner.runnerId === created.runnerId)?.lastSeenAt).toEqual(
      seen,
    );
    await sut.revoke(created.runnerId, operator);
    expect(await sut.verify(created.runnerId, created.secret)).toBeNull();
  });

  it('a runner created without a capacity may hold 50 agents, like RUNNER_CAPACITY, also in SQL', async () => {
    const created = await sut.create({}, operator);
    expect(created.runner.capacity).toBe(50);
    expect(DEFAULT_RUNNER_CAPACITY).toBe(50);
    const [row] = await ctx.dataSource.query<{ capacity: number }[]>(
      `INSERT INTO agent_runners (runner_id, credential_hash) VALUES ('runner_sqldefault0', 'sha256:x') RETURNING capacity`,
    );
    expect(row.capacity).toBe(50);
  });

  it('validates capacity', async () => {
    await expect(sut.create({ capacity: 0 }, operator)).rejects.toThrow(/capacity/);
  });
});
