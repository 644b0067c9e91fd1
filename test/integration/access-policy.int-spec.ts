import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { AccessDeniedCode, AccessDeniedException, AccessPolicy, AccessPolicyModule } from '@app/access';
import { PoolMemberRole, PoolsModule } from '@app/pools';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';
import { poolInput, snowflake } from '../utils/factories';

describe(AccessPolicy.name, () => {
  const botOwner = snowflake();
  let ctx: PoolsTestContext;
  let app: INestApplicationContext;
  let sut: AccessPolicy;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    // The app wiring: PoolsModule provides the DataSource, AccessPolicyModule gets BOT_OWNER_IDS.
    app = await NestFactory.createApplicationContext(
      {
        module: class AccessPolicyTestModule {},
        imports: [
          PoolsModule.forRoot({
            databaseUrl: ctx.db.url,
            tokenEncryptionKeys: ctx.keys,
            poolSize: 2,
            applicationName: 'chopsticks-test',
          }),
          AccessPolicyModule.forRootAsync({ useFactory: () => ({ botOwnerIds: [botOwner] }) }),
        ],
      },
      { logger: false, abortOnError: false },
    );
    await app.init();
    sut = app.get(AccessPolicy);
  });

  afterAll(async () => {
    await app.close();
    await ctx.close();
  });

  async function poolWithMembers() {
    const owner = snowflake();
    const pool = await ctx.pools.create(poolInput({ ownerId: owner }), { id: owner });
    const manager = snowflake();
    const contributor = snowflake();
    const viewer = snowflake();
    await ctx.pools.grantMember(pool.id, manager, PoolMemberRole.Manager, { id: owner });
    await ctx.pools.grantMember(pool.id, contributor, PoolMemberRole.Contributor, { id: owner });
    await ctx.pools.grantMember(pool.id, viewer, PoolMemberRole.Viewer, { id: owner });
    return { pool, owner, manager, contributor, viewer };
  }

  it('reads pool roles from pool_members (null for strangers and unknown pools)', async () => {
    const { pool, owner, manager, contributor, viewer } = await poolWithMembers();
    expect(await sut.poolRole(pool.id, owner)).toBe('owner');
    expect(await sut.poolRole(pool.id, manager)).toBe('manager');
    expect(await sut.poolRole(pool.id, contributor)).toBe('contributor');
    expect(await sut.poolRole(pool.id, viewer)).toBe('viewer');
    expect(await sut.poolRole(pool.id, snowflake())).toBeNull();
    expect(await sut.poolRole('pool_000000000000000000', owner)).toBeNull();
  });

  it('applies owner > manager > contributor > viewer with a typed refusal', async () => {
    const { pool, owner, manager, contributor, viewer } = await poolWithMembers();
    await expect(sut.assertPoolRole({ userId: owner }, pool.id, 'owner')).resolves.toBe('owner');
    await expect(sut.assertPoolRole({ userId: manager }, pool.id, 'contributor')).resolves.toBe('manager');
    await expect(sut.assertPoolRole({ userId: viewer }, pool.id, 'viewer')).resolves.toBe('viewer');
    await expect(sut.assertPoolRole({ userId: contributor }, pool.id, 'manager')).rejects.toEqual(
      new AccessDeniedException(
        AccessDeniedCode.PoolRoleRequired,
        `You need the manager role or higher in pool ${pool.id} to do this.`,
      ),
    );
    await expect(sut.assertPoolRole({ userId: manager }, pool.id, 'owner')).rejects.toMatchObject({
      code: AccessDeniedCode.PoolRoleRequired,
      message: `You need the owner role in pool ${pool.id} to do this.`,
    });
    await expect(sut.assertPoolRole({ userId: snowflake() }, pool.id, 'viewer')).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });

  it('lets bot owners act as pool owner without being members', async () => {
    const { pool } = await poolWithMembers();
    expect(await sut.poolRole(pool.id, botOwner)).toBeNull();
    await expect(sut.assertPoolRole({ userId: botOwner }, pool.id, 'owner')).resolves.toBe('owner');
    expect(() => sut.assertBotOwner({ userId: botOwner })).not.toThrow();
    expect(sut.isGuildAdmin({ userId: botOwner, guildId: snowflake(), guildPermissions: '0' })).toBe(true);
  });

  it('sees a role change made inside the caller transaction', async () => {
    const { pool, viewer } = await poolWithMembers();
    await ctx.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE pool_members SET role = 'manager' WHERE pool_id = $1 AND user_id = $2`, [
        pool.id,
        viewer,
      ]);
      await expect(sut.assertPoolRole({ userId: viewer }, pool.id, 'manager', manager)).resolves.toBe(
        'manager',
      );
    });
    expect(await sut.poolRole(pool.id, viewer)).toBe('manager');
  });
});
