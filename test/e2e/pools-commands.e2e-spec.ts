import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { AuditEvent } from '@app/access';
import { AgentBot, AgentPool, ContributionStatus, PoolContribution, PoolMember } from '@app/pools';
import type { GuildCreated } from '@app/sandbox';
import { fakeBotToken, snowflake } from '../utils/factories';
import { GuildPoolRouting } from '@apps/controller';
import { testConfig } from '../utils/test-config';
import { createStack, type Stack } from './support/stack';
import { deleteRedisKeys } from './support/redis-keys';
import { contentOf, embedOf } from './support/interactions';

/**
 * `/pools` through the real controller in the Discord sandbox with the real Postgres: people invoke
 * the registered command and read the answer Discord would show them (ACCEPTANCE K1, K2, K4, C3,
 * C5). No runner is needed: pools are rows, not live agents.
 */
jest.setTimeout(90_000);

/** Runs SQL as the Postgres admin (never against the shared server's state, only this test's database). */
async function asAdmin(sql: string): Promise<void> {
  const admin = new Client({ connectionString: testConfig.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

describe('/pools (controller + Discord sandbox + Postgres)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  const users: Record<string, string> = {};
  const redisPrefix = `test:pools-commands:${randomUUID()}`;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 0 });
    const { discord, controllerBot } = stack;
    for (const name of [
      'owner',
      'admin',
      'alice',
      'bob',
      'dave',
      'erin',
      'frank',
      'carol',
      'gina',
      'hank',
      'ivy',
    ]) {
      users[name] = discord.control.createUser({ username: name }).userId;
    }
    guild = discord.control.createGuild({
      name: 'Pools Guild',
      ownerId: users.owner,
      textChannels: ['general'],
      voiceChannels: ['Music 1'],
      // Manage Server (0x20) — Discord permission flags.
      roles: [{ name: 'Server admins', permissions: '32', members: [users.admin] }],
      members: [controllerBot.botUserId, ...Object.values(users)],
    });
    // Room for every /pools call of this file per user (the default is 5 a minute). Throttle and
    // idempotency in the real Redis, under a prefix of this file's own.
    await stack.startController({
      COMMAND_RATE_LIMITS: 'agents=5/60,pools=30/60,music=20/60,assistant=10/60,default=10/60',
      REDIS_URL: testConfig.redisUrl,
      RATE_LIMIT_KEY_PREFIX: redisPrefix,
      BULLMQ_PREFIX: `${redisPrefix}:bull`,
    });
  });

  afterAll(async () => {
    await stack?.close();
    await deleteRedisKeys(redisPrefix);
  });

  const pools = (
    user: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
    subcommandGroup?: string,
  ) =>
    stack.discord.control.invokeSlashCommand({
      applicationId: stack.controllerBot.applicationId,
      userId: users[user],
      channelId: guild.textChannelIds[0],
      name: 'pools',
      ...(subcommandGroup ? { subcommandGroup } : {}),
      subcommand,
      options,
      waitFor: 'response',
    });

  const poolOf = (user: string) => `pool_${users[user]}`;
  const repo = <T extends object>(entity: new () => T) => stack.ctx.dataSource.getRepository(entity);

  it('registers /pools with every subcommand and group the product defines', () => {
    type Option = { name: string; type: number; options?: Option[] };
    const command = (
      stack.discord.control.listCommands(stack.controllerBot.applicationId) as {
        name: string;
        options?: Option[];
      }[]
    ).find((c) => c.name === 'pools');
    const names = (options: Option[] | undefined) => (options ?? []).map((o) => o.name).sort();
    expect(names(command?.options)).toEqual(
      [
        'contributions',
        'create',
        'delete',
        'info',
        'list',
        'members',
        'select',
        'transfer',
        'visibility',
      ].sort(),
    );
    const group = (name: string) => command?.options?.find((o) => o.name === name);
    expect(names(group('members')?.options)).toEqual(['grant', 'list', 'revoke']);
    expect(names(group('contributions')?.options)).toEqual(['approve', 'list', 'reject']);
    expect(group('create')?.options?.find((o) => o.name === 'name')).toMatchObject({
      required: true,
      max_length: 100,
    });
    expect(group('info')?.options?.[0]).toMatchObject({ name: 'pool', autocomplete: true });
  });

  it('K1: creating a pool makes pool_<user id> with the user as owner; a second create is refused', async () => {
    const created = await pools('alice', 'create', { name: 'Alice pool' });
    expect(created.ephemeral).toBe(true);
    expect(embedOf(created)).toMatchObject({ title: 'Pool created' });
    expect(embedOf(created).description).toContain(`\`${poolOf('alice')}\``);

    const row = await repo(AgentPool).findOneByOrFail({ id: poolOf('alice') });
    expect(row).toMatchObject({ ownerId: users.alice, name: 'Alice pool', visibility: 'private' });
    expect(await repo(PoolMember).findBy({ poolId: poolOf('alice') })).toEqual([
      expect.objectContaining({ userId: users.alice, role: 'owner' }),
    ]);

    const again = await pools('alice', 'create', { name: 'Another pool' });
    expect(again.ephemeral).toBe(true);
    expect(contentOf(again)).toBe(
      `You already own a pool (\`${poolOf('alice')}\`) — each user can own one. See it with /pools info.`,
    );
    expect(await repo(AgentPool).countBy({ ownerId: users.alice })).toBe(1);
  });

  it('throttles and claims /pools in the real Redis (keys under this file’s prefix)', async () => {
    await pools('frank', 'list');
    const redis = new Redis(testConfig.redisUrl);
    try {
      expect(await redis.exists(`${redisPrefix}:throttle:pools:${users.frank}`)).toBe(1);
    } finally {
      await redis.quit();
    }
  });

  it('K2: transferring makes the new user owner and the former owner manager, with an audit event', async () => {
    const answer = await pools('alice', 'transfer', { pool: poolOf('alice'), user: users.bob });
    expect(embedOf(answer).title).toBe('Pool transferred');
    expect(embedOf(answer).description).toContain(`<@${users.bob}> now owns`);

    expect(await repo(AgentPool).findOneByOrFail({ id: poolOf('alice') })).toMatchObject({
      ownerId: users.bob,
    });
    const members = await repo(PoolMember).find({
      where: { poolId: poolOf('alice') },
      order: { role: 'ASC' },
    });
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      [users.alice, 'manager'],
      [users.bob, 'owner'],
    ]);
    const events = await repo(AuditEvent).findBy({ action: 'pool.transfer', targetId: poolOf('alice') });
    expect(events).toEqual([
      expect.objectContaining({
        actor: users.alice,
        requestId: answer.interactionId,
        payload: { from: users.alice, to: users.bob },
      }),
    ]);

    // The former owner is a manager now: a second transfer is refused by the policy.
    const refused = await pools('alice', 'transfer', { pool: poolOf('alice'), user: users.carol });
    expect(refused.ephemeral).toBe(true);
    expect(contentOf(refused)).toBe(`You need the owner role in pool ${poolOf('alice')} to do this.`);
  });

  it('K4: approving a pending contribution is refused with a capacity error once the pool is full', async () => {
    await pools('dave', 'create', { name: 'Dave pool', visibility: 'public', max_agents: 2 });
    const poolId = poolOf('dave');
    await stack.ctx.agents.register(
      { poolId, clientId: snowflake(), tag: 'dave-1', token: fakeBotToken() },
      { id: users.dave },
    );
    const fromErin = await stack.ctx.agents.register(
      { poolId, clientId: snowflake(), tag: 'erin-1', token: fakeBotToken() },
      { id: users.erin },
    );
    const fromFrank = await stack.ctx.agents.register(
      { poolId, clientId: snowflake(), tag: 'frank-1', token: fakeBotToken() },
      { id: users.frank },
    );
    expect(fromErin.contribution?.status).toBe(ContributionStatus.Pending);

    const listed = await pools('dave', 'list', { pool: poolId }, 'contributions');
    expect(embedOf(listed).title).toBe('Pending contributions to Dave pool (2)');

    const approved = await pools(
      'dave',
      'approve',
      { contribution: fromErin.contribution!.id },
      'contributions',
    );
    expect(embedOf(approved).title).toBe('Contribution approved');
    expect(await repo(AgentBot).findOneByOrFail({ agentId: fromErin.agent.agentId })).toMatchObject({
      status: 'active',
    });

    const refused = await pools(
      'dave',
      'approve',
      { contribution: fromFrank.contribution!.id },
      'contributions',
    );
    expect(refused.ephemeral).toBe(true);
    expect(contentOf(refused)).toBe(
      `${poolId} is at capacity (2 of 2 agents). Approving would exceed the pool's limit; revoke an agent first (/agents revoke).`,
    );
    expect(await repo(PoolContribution).findOneByOrFail({ id: fromFrank.contribution!.id })).toMatchObject({
      status: ContributionStatus.Pending,
    });
    expect(await repo(AgentBot).findOneByOrFail({ agentId: fromFrank.agent.agentId })).toMatchObject({
      status: 'pending',
    });

    // A contributor cannot decide: the same policy refuses them.
    const notManager = await pools(
      'erin',
      'reject',
      { contribution: fromFrank.contribution!.id },
      'contributions',
    );
    expect(contentOf(notManager)).toBe(`You need the manager role or higher in pool ${poolId} to do this.`);

    // Delete is refused while agents are registered.
    const deleted = await pools('dave', 'delete', { pool: poolId });
    expect(contentOf(deleted)).toMatch(new RegExp(`^${poolId} still has 3 registered agent\\(s\\)`));
    expect(await repo(AgentPool).countBy({ id: poolId })).toBe(1);
  });

  it('C3: a user without Manage Server cannot select the server default pool; an admin can', async () => {
    const refused = await pools('bob', 'select', { pool: poolOf('dave') });
    expect(refused.ephemeral).toBe(true);
    expect(contentOf(refused)).toBe('You need the Manage Server permission in this server to do this.');
    expect((await stack.ctx.guilds.get(guild.guildId)).selectedPoolId).toBeNull();
    const routing = stack.get(GuildPoolRouting);
    expect((await routing.forGuild(guild.guildId)).preferredPoolId).toBeNull();

    const selected = await pools('admin', 'select', { pool: poolOf('dave') });
    expect(selected.ephemeral).toBe(false);
    expect(embedOf(selected).title).toBe('Default pool selected');
    expect((await stack.ctx.guilds.get(guild.guildId)).selectedPoolId).toBe(poolOf('dave'));
    // The next allocation follows the selection at once, not after the routing cache expires.
    expect((await routing.forGuild(guild.guildId)).preferredPoolId).toBe(poolOf('dave'));

    // A private pool the admin is not a member of stays hidden, and the refusal is private (QA6).
    const hidden = await pools('admin', 'select', { pool: poolOf('alice') });
    expect(hidden.ephemeral).toBe(true);
    expect(hidden.messages.filter((message) => !message.ephemeral)).toEqual([]);
    expect(contentOf(hidden)).toBe(
      `Pool ${poolOf('alice')} does not exist. See the pools you can use with /pools list.`,
    );
  });

  it('offers the pools a user can see as autocomplete choices', async () => {
    const result = await stack.discord.control.invokeAutocomplete({
      applicationId: stack.controllerBot.applicationId,
      userId: users.bob,
      channelId: guild.textChannelIds[0],
      name: 'pools',
      subcommand: 'info',
      focused: 'pool',
      options: { pool: 'pool' },
      waitFor: 'ack',
    });
    const values = (result.choices ?? []).map((choice) => choice.value);
    expect(values).toEqual(expect.arrayContaining([poolOf('alice'), poolOf('dave')]));
    const carolSees = await stack.discord.control.invokeAutocomplete({
      applicationId: stack.controllerBot.applicationId,
      userId: users.carol,
      channelId: guild.textChannelIds[0],
      name: 'pools',
      subcommand: 'info',
      focused: 'pool',
      options: { pool: '' },
      waitFor: 'ack',
    });
    expect((carolSees.choices ?? []).map((choice) => choice.value)).not.toContain(poolOf('alice'));
  });

  it('a pool whose agents were all revoked is deleted by /pools delete (QA6: revoked agents do not count)', async () => {
    await pools('gina', 'create', { name: 'Gina pool' });
    const { agent } = await stack.ctx.agents.register(
      { poolId: poolOf('gina'), clientId: snowflake(), tag: 'gina-bot', token: fakeBotToken() },
      { id: users.gina },
    );
    const refused = await pools('gina', 'delete', { pool: poolOf('gina') });
    expect(contentOf(refused)).toContain('Revoke them with /agents revoke, then delete the pool.');
    await stack.ctx.agents.revoke(agent.agentId, { id: users.gina });

    const deleted = await pools('gina', 'delete', { pool: poolOf('gina') });

    expect(embedOf(deleted).title).toBe('Pool deleted');
    expect(await repo(AgentPool).countBy({ id: poolOf('gina') })).toBe(0);
  });

  it('after transferring their pool, /pools create tells the former owner the id is held by that pool (QA6)', async () => {
    await pools('hank', 'create', { name: 'Hank pool' });
    const transferred = await pools('hank', 'transfer', { pool: poolOf('hank'), user: users.ivy });
    expect(embedOf(transferred).title).toBeDefined();
    expect((await repo(AgentPool).findOneByOrFail({ id: poolOf('hank') })).ownerId).toBe(users.ivy);

    const again = await pools('hank', 'create', { name: 'Second' });

    expect(again.ephemeral).toBe(true);
    expect(contentOf(again)).toBe(
      `You can’t create a pool: pool ids are pool_<creator id>, and \`${poolOf('hank')}\` is the pool you created and transferred to <@${users.ivy}>. Ask them to transfer it back if you need it.`,
    );
    // The new owner already owns a pool: they are told which one.
    const ivy = await pools('ivy', 'create', { name: 'Ivy pool' });
    expect(contentOf(ivy)).toBe(
      `You already own a pool (\`${poolOf('hank')}\`) — each user can own one. See it with /pools info.`,
    );
  });

  it('C5: with the database down, /pools create answers "temporarily unavailable" and writes nothing', async () => {
    const database = stack.ctx.db.name;
    await asAdmin(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    try {
      await asAdmin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
      );
      const answer = await pools('carol', 'create', { name: 'Carol pool' });
      expect(answer.ephemeral).toBe(true);
      expect(contentOf(answer)).toBe(
        'The pools database is temporarily unavailable, so nothing was changed. Please try again in a minute.',
      );
    } finally {
      await asAdmin(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    }
    expect(await repo(AgentPool).countBy({ id: poolOf('carol') })).toBe(0);
    expect(await repo(PoolMember).countBy({ userId: users.carol })).toBe(0);
    expect(await repo(AuditEvent).countBy({ targetId: poolOf('carol') })).toBe(0);

    // Recovery without a restart: the very same request works at once (the failed attempt gave
    // back its idempotency claim, so the retry is not taken for a duplicate).
    const created = await pools('carol', 'create', { name: 'Carol pool' });
    expect(embedOf(created).title).toBe('Pool created');
    expect(await repo(AgentPool).countBy({ id: poolOf('carol') })).toBe(1);
  });
});
