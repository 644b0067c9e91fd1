import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { GuildCreated } from '@app/sandbox';
import { AgentStatus, PoolVisibility } from '@app/pools';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { DataSource } from 'typeorm';
import { fakeBotToken, operator } from '../utils/factories';
import { testConfig } from '../utils/test-config';
import { createStack, type Stack, until } from './support/stack';
import { deleteRedisKeys } from './support/redis-keys';
import { type EmbedView, embedOf, field, visibleText } from './support/interactions';

/**
 * `/agents` through the real controller, a real runner process, Postgres and the Discord sandbox:
 * people invoke the registered slash command and read the answer the sandbox recorded.
 */
jest.setTimeout(120_000);

interface ButtonView {
  type: number;
  style?: number;
  url?: string;
  label?: string;
}

const EXTRA_AGENTS = 30;

describe('/agents (controller, runner, Postgres and Discord sandbox)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let data: DataSource;
  let adminId: string;
  let ownerId: string;
  let poolOwnerId: string;
  let memberId: string;
  let listenerId: string;
  let publicPoolId: string;
  let failingAgentId: string;
  let giftClientId = '';
  const extraAgentIds: string[] = [];
  const redisPrefix = `test:agents-commands:${randomUUID()}`;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 3 });
    const { discord, ctx } = stack;
    adminId = discord.control.createUser({ username: 'guildadmin' }).userId;
    guild = discord.control.createGuild({
      name: 'Agents Guild',
      ownerId: adminId,
      textChannels: ['general'],
      voiceChannels: ['Music 1', 'Music 2'],
      members: [stack.controllerBot.botUserId, ...stack.agents.map((agent) => agent.botUserId)],
    });
    ownerId = stack.createUser('botowner', [guild]);
    poolOwnerId = stack.createUser('poolowner', [guild]);
    memberId = stack.createUser('member', [guild]);
    listenerId = stack.createUser('listener', [guild]);

    // A public pool of someone else, holding an agent whose token Discord refuses (K5). Its id
    // sorts first, so the runner (which leases agents in id order, up to its capacity) takes it.
    publicPoolId = (await ctx.pools.create({ ownerId: poolOwnerId, name: 'Public pool' }, operator)).id;
    await ctx.pools.setVisibility(publicPoolId, PoolVisibility.Public, operator);
    const failing = await ctx.agents.register(
      { poolId: publicPoolId, clientId: '100000000000000000', tag: 'broken', token: fakeBotToken() },
      operator,
    );
    failingAgentId = failing.agent.agentId;
    // Usable registrations of the guild's pool that are not in the guild yet (deploy invites).
    for (let i = 0; i < EXTRA_AGENTS; i += 1) {
      const app = discord.control.createApplication({ name: `Spare ${i + 1}`, username: `spare${i + 1}` });
      const { agent } = await ctx.agents.register(
        { poolId: stack.poolId, clientId: app.clientId, tag: `spare${i + 1}`, token: app.token },
        operator,
      );
      extraAgentIds.push(agent.agentId);
    }
    await ctx.pools.setVisibility(stack.poolId, PoolVisibility.Public, operator);
    await ctx.guilds.upsert(guild.guildId, { selectedPoolId: stack.poolId }, operator);

    await stack.startController({
      BOT_OWNER_IDS: ownerId,
      COMMAND_RATE_LIMITS: 'agents=1000/60,music=1000/60,default=1000/60',
      IDEMPOTENCY_WINDOW_SECONDS: '1',
      DISCORD_OAUTH_URL: discord.urls.oauth2,
      // Throttle and idempotency in the real Redis, under a prefix of this file's own.
      REDIS_URL: testConfig.redisUrl,
      RATE_LIMIT_KEY_PREFIX: redisPrefix,
      BULLMQ_PREFIX: `${redisPrefix}:bull`,
    });
    data = stack.get(DataSource);
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 3);
  });

  afterAll(async () => {
    await stack?.close();
    await deleteRedisKeys(redisPrefix);
  });

  const agents = (
    userId: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => stack.slash(userId, guild, 'agents', { subcommand, options });

  /** `/agents deploy` as the admin, waiting for the summary and `followUps` invite messages. */
  const deployAsAdmin = (options: Record<string, string | number>, followUps: number) =>
    stack.discord.control.invokeSlashCommand({
      applicationId: stack.controllerBot.applicationId,
      userId: adminId,
      channelId: guild.textChannelIds[0],
      name: 'agents',
      subcommand: 'deploy',
      options,
      waitFor: { edits: 1, followUps, timeoutMs: 30_000 },
    });

  const agentRow = async (agentId: string) =>
    (
      await data.query<
        { status: AgentStatus; token_ciphertext: Buffer | null; token_key_id: string | null }[]
      >('SELECT status, token_ciphertext, token_key_id FROM agent_bots WHERE agent_id = $1', [agentId])
    )[0];

  it('registers /agents with every subcommand the product defines', () => {
    const command = (
      stack.discord.control.listCommands(stack.controllerBot.applicationId) as {
        name: string;
        options?: { name: string }[];
      }[]
    ).find((c) => c.name === 'agents');
    expect(command?.options?.map((o) => o.name).sort()).toEqual(
      [
        'add_token',
        'advisor',
        'assign',
        'deploy',
        'diagnose',
        'idle_policy',
        'list_tokens',
        'release',
        'revoke',
        'sessions',
        'set_status',
        'status',
      ].sort(),
    );
  });

  it('C3: a member who is not a bot owner is refused the network view (and deploy); a bot owner gets it', async () => {
    const [refused, deployRefused, allowed] = await Promise.all([
      agents(memberId, 'status', { scope: 'network' }),
      agents(memberId, 'deploy', { desired_total: 5 }),
      agents(ownerId, 'status', { scope: 'network' }),
    ]);

    expect(refused.original?.content).toBe('Only the bot owners can do this.');
    expect(refused.ephemeral).toBe(true);
    expect(deployRefused.original?.content).toBe(
      'You need the Manage Server permission in this server to do this.',
    );
    expect(deployRefused.followUps).toHaveLength(0);
    const network = embedOf(allowed);
    expect(network.title).toBe('Agent network');
    expect(Number(field(network, 'Connected'))).toBeGreaterThanOrEqual(3);
    expect(allowed.ephemeral).toBe(true);
  });

  it('status and sessions show a live music session in its voice channel', async () => {
    await stack.moveVoice(listenerId, guild, guild.channels['Music 1']);
    const play = await stack.slash(listenerId, guild, 'music', {
      subcommand: 'play',
      options: { query: 'neon harbor' },
    });
    expect(embedOf(play).title).toBe('Now playing');
    const session = stack.get(SessionRegistry).byGuild(guild.guildId)[0];
    const botUserId = stack.get(AgentRegistry).get(session.agentId)?.botUserId;

    const [status, sessions] = await Promise.all([agents(memberId, 'status'), agents(memberId, 'sessions')]);

    const statusEmbed = embedOf(status);
    expect(statusEmbed.title).toBe('Agents in this server');
    expect(field(statusEmbed, 'Connected')).toBe('3');
    expect(field(statusEmbed, 'Ready')).toBe('3');
    expect(field(statusEmbed, 'Busy (music)')).toBe('1');
    expect(field(statusEmbed, 'Idle')).toBe('2');
    expect(statusEmbed.description).toContain(`<@${botUserId}> — busy (music) in 🔊 Music 1`);
    const sessionsEmbed = embedOf(sessions);
    expect(sessionsEmbed.title).toBe('Live sessions (1)');
    expect(sessionsEmbed.description).toContain(
      `**music** in 🔊 Music 1 — <@${botUserId}>, started by <@${listenerId}>`,
    );
  });

  it('A5: an admin pins an idle agent to a voice channel with assign; the next /music play there gets it; release frees it', async () => {
    const registry = stack.get(AgentRegistry);
    const sessionsRegistry = stack.get(SessionRegistry);
    const busy = new Set(sessionsRegistry.byGuild(guild.guildId).map((s) => s.agentId));
    // The idle agent allocation would pick last: the most recently allocated one, if any, else the last id.
    const idle = [...registry.agentIdsInGuild(guild.guildId)].filter((id) => !busy.has(id)).sort();
    const pinned = idle[idle.length - 1];
    const pinnedBot = registry.get(pinned)!.botUserId;

    const refused = await agents(memberId, 'assign', { agent: pinned, channel: guild.channels['Music 2'] });
    expect(refused.original?.content).toBe(
      'You need the Manage Server permission in this server to do this.',
    );

    const assign = await agents(adminId, 'assign', {
      agent: `<@${pinnedBot}>`,
      channel: guild.channels['Music 2'],
    });
    expect(embedOf(assign).title).toBe('Agent assigned');
    expect(embedOf(assign).description).toContain(`<@${pinnedBot}> is pinned to 🔊 Music 2`);

    await stack.moveVoice(memberId, guild, guild.channels['Music 2']);
    const play = await stack.slash(memberId, guild, 'music', {
      subcommand: 'play',
      options: { query: 'static bloom' },
    });
    expect(field(embedOf(play), 'Agent')).toBe(`<@${pinnedBot}>`);
    expect(sessionsRegistry.agentSessionInGuild(pinned, guild.guildId)?.voiceChannelId).toBe(
      guild.channels['Music 2'],
    );

    const release = await agents(adminId, 'release', { channel: guild.channels['Music 2'] });
    expect(embedOf(release).title).toBe('Released 1 session(s)');
    expect(sessionsRegistry.agentSessionInGuild(pinned, guild.guildId)).toBeUndefined();
    await until(
      () => stack.discord.control.getVoiceState(guild.guildId, pinnedBot)?.channelId == null,
      'the released agent to leave voice',
    );
    // Other options than the first release: the same user + command + options within the
    // idempotency window would be answered as a duplicate instead.
    const again = await agents(adminId, 'release', { channel: guild.channels['Music 2'], kind: 'music' });
    expect(again.original?.content).toBe('No live session matches 🔊 Music 2 — see /agents sessions.');
  });

  it('C2: the same /agents assign delivered twice at once has one effect; the other is answered as a duplicate', async () => {
    const agentId = stack.agentIds[0];
    const options = { agent: agentId, channel: guild.channels['Music 1'] };

    const results = await Promise.all([
      agents(adminId, 'assign', options),
      agents(adminId, 'assign', options),
    ]);

    const contents = results.map((result) => result.original?.content ?? '');
    expect(
      contents.filter(
        (content) =>
          content === 'This /agents request was already handled a moment ago, so nothing was done again.',
      ),
    ).toHaveLength(1);
    expect(results.filter((result) => result.original?.embeds.length === 1)).toHaveLength(1);
  });

  it('D1: desired_total 50 is refused naming the 49 limit, and no invite is produced', async () => {
    const result = await agents(adminId, 'deploy', { desired_total: 50 });

    expect(result.original?.content).toContain('at most 49 agents');
    expect(result.original?.content).toContain('No invites were created.');
    expect(result.followUps).toHaveLength(0);
  });

  it('D2: 3 agents present, desired 10 → exactly 7 invite link buttons with the client id, scopes and permissions', async () => {
    const result = await deployAsAdmin({ desired_total: 10 }, 1);

    const summary = embedOf(result);
    expect(summary.title).toBe('7 agent invite(s) ready');
    expect(field(summary, 'Already here')).toBe('3');
    expect(field(summary, 'Invites')).toBe('7');
    expect(result.followUps).toHaveLength(1);
    const rows = result.followUps[0].components as { components: ButtonView[] }[];
    expect(rows.map((row) => row.components.length)).toEqual([5, 2]);
    const buttons = rows.flatMap((row) => row.components);
    const invited = new Set<string>();
    for (const button of buttons) {
      expect(button.style).toBe(5); // link button — Discord docs, Button Styles
      const url = new URL(button.url!);
      expect(url.searchParams.get('scope')).toBe('bot applications.commands');
      expect(url.searchParams.get('permissions')).toBe('3165184');
      invited.add(`agent${url.searchParams.get('client_id')}`);
    }
    expect(invited.size).toBe(7);
    for (const agentId of invited) expect(extraAgentIds).toContain(agentId);
  });

  it('deploy pages 30 invites into messages of at most 25 link buttons (5 rows of 5) and attaches every URL as a file', async () => {
    const result = await deployAsAdmin({ desired_total: 49, pool: stack.poolId }, 2);

    expect(field(embedOf(result), 'Invites')).toBe(String(EXTRA_AGENTS));
    expect(field(embedOf(result), 'Shortfall')).toBe(String(46 - EXTRA_AGENTS));
    const pages = result.followUps.map((message) =>
      (message.components as { components: ButtonView[] }[]).map((row) => row.components.length),
    );
    expect(pages).toEqual([[5, 5, 5, 5, 5], [5]]);
    expect(result.followUps[0].content).toContain('page 1 of 2');
    // The sandbox keeps attachment metadata, not bytes (discord.js sends the file name in the multipart part).
    const stored = stack.discord.control
      .listMessages(guild.textChannelIds[0])
      .find((message) => message.id === result.followUps[0].id) as { attachments: { id?: string }[] };
    expect(stored.attachments).toHaveLength(1);
    const second = stack.discord.control
      .listMessages(guild.textChannelIds[0])
      .find((message) => message.id === result.followUps[1].id) as { attachments: unknown[] };
    expect(second.attachments).toHaveLength(0);
  });

  it('throttles and claims /agents in the real Redis (keys under this file’s prefix)', async () => {
    await agents(listenerId, 'sessions');
    const redis = new Redis(testConfig.redisUrl);
    try {
      expect(await redis.exists(`${redisPrefix}:throttle:agents:${listenerId}`)).toBe(1);
    } finally {
      await redis.quit();
    }
  });

  it('idle_policy takes exactly one of minutes, use_default and disable', async () => {
    const [none, several, minutes] = await Promise.all([
      agents(adminId, 'idle_policy'),
      agents(adminId, 'idle_policy', { minutes: 5, disable: true }),
      agents(adminId, 'idle_policy', { minutes: 2 }),
    ]);

    const choose = 'Choose exactly one of `minutes`, `use_default` or `disable` for /agents idle_policy.';
    expect(none.original?.content).toBe(choose);
    expect(several.original?.content).toBe(choose);
    expect(embedOf(minutes).description).toBe('Agents leave after 2 minutes with nobody listening.');
    expect((await stack.ctx.guilds.get(guild.guildId)).idleReleaseSeconds).toBe(120);

    const disabled = await agents(adminId, 'idle_policy', { disable: true });
    expect(embedOf(disabled).description).toContain('never released for being idle');
    expect((await stack.ctx.guilds.get(guild.guildId)).idleReleaseSeconds).toBe(0);
    const byDefault = await agents(adminId, 'idle_policy', { use_default: true });
    expect(embedOf(byDefault).description).toBe(
      'Agents leave after 30 minutes with nobody listening (the default).',
    );
    expect((await stack.ctx.guilds.get(guild.guildId)).idleReleaseSeconds).toBeNull();
  });

  it('add_token: a token Discord refuses is a clear error and nothing is stored; a good one for another user’s public pool is pending and the owner is told', async () => {
    const count = async () =>
      Number((await data.query<{ n: string }[]>('SELECT count(*) AS n FROM agent_bots'))[0].n);
    const before = await count();
    const badToken = fakeBotToken();

    const bad = await agents(memberId, 'add_token', { token: badToken, pool: publicPoolId });

    expect(bad.ephemeral).toBe(true);
    expect(bad.original?.content).toBe(
      'Discord rejected that token (401 Unauthorized): it is wrong or was reset. Nothing was stored — copy a fresh token from the Developer Portal.',
    );
    expect(visibleText(bad)).not.toContain(badToken);
    expect(await count()).toBe(before);

    const contributed = stack.discord.control.createApplication({ name: 'Gift', username: 'giftbot' });
    giftClientId = contributed.clientId;
    const good = await agents(memberId, 'add_token', { token: contributed.token, pool: publicPoolId });

    expect(good.ephemeral).toBe(true);
    expect(embedOf(good).title).toBe('Contribution pending approval');
    expect(embedOf(good).description).toContain('they were sent a message');
    expect(visibleText(good)).not.toContain(contributed.token);
    const agentId = `agent${contributed.clientId}`;
    expect((await agentRow(agentId)).status).toBe(AgentStatus.Pending);
    const contributions = await data.query<{ status: string; user_id: string }[]>(
      'SELECT status, user_id FROM pool_contributions WHERE agent_id = $1',
      [agentId],
    );
    expect(contributions).toEqual([{ status: 'pending', user_id: memberId }]);
    const dms = stack.discord.control.listDirectMessages(poolOwnerId, stack.controllerBot.botUserId) as {
      embeds: EmbedView[];
    }[];
    expect(dms).toHaveLength(1);
    expect(dms[0].embeds[0].title).toBe('New agent contribution awaits your approval');
    expect(dms[0].embeds[0].description).toContain(`<@${memberId}> contributed **giftbot** (\`${agentId}\`)`);
  });

  it('K3: revoke through the command erases the ciphertext and sets revoked; set_status active is then refused', async () => {
    const target = extraAgentIds[EXTRA_AGENTS - 1];
    const notAllowed = await agents(memberId, 'revoke', { agent: target });
    expect(notAllowed.original?.content).toBe(
      `You need the manager role or higher in pool ${stack.poolId} to do this.`,
    );
    expect((await agentRow(target)).status).toBe(AgentStatus.Active);

    const revoke = await agents(ownerId, 'revoke', { agent: target });

    expect(embedOf(revoke).title).toBe('Agent revoked');
    expect(revoke.ephemeral).toBe(true);
    expect(await agentRow(target)).toEqual({
      status: AgentStatus.Revoked,
      token_ciphertext: null,
      token_key_id: null,
    });
    const reactivate = await agents(ownerId, 'set_status', { agent: target, status: 'active' });
    expect(reactivate.original?.content).toBe(
      `${target} was revoked; a revoked agent cannot be reactivated or registered again. Register a new token with /agents add_token.`,
    );
    expect((await agentRow(target)).status).toBe(AgentStatus.Revoked);
  });

  it('K5 at command level: diagnose and list_tokens show an agent whose Discord login failed, with its backoff', async () => {
    const deadline = Date.now() + 60_000;
    while ((await agentRow(failingAgentId)).status !== AgentStatus.Failed) {
      if (Date.now() > deadline) throw new Error(`${failingAgentId} never failed\n${stack.runner?.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const [diagnose, tokens, refused] = await Promise.all([
      agents(poolOwnerId, 'diagnose', { agent: failingAgentId }),
      agents(poolOwnerId, 'list_tokens', { pool: publicPoolId }),
      agents(memberId, 'diagnose', { agent: failingAgentId }),
    ]);

    const diagnosis = embedOf(diagnose);
    expect(diagnose.ephemeral).toBe(true);
    expect(diagnosis.title).toBe(`Diagnosis of ${failingAgentId}`);
    expect(field(diagnosis, 'Status')).toBe('failed');
    expect(field(diagnosis, 'Login failures')).toMatch(/^1, backoff until <t:\d+:R>$/);
    expect(field(diagnosis, 'Connected')).toBe('no');
    expect(diagnosis.description).toMatch(/Its Discord login failed 1 time\(s\) in a row/);
    expect(embedOf(tokens).description).toMatch(
      new RegExp(
        `\`${failingAgentId}\` \\*\\*broken\\*\\* · failed · \`[^\`]+\` · ${publicPoolId} — login failed 1×, retry <t:\\d+:R>`,
      ),
    );
    expect(refused.original?.content).toBe(
      `You need the viewer role or higher in pool ${publicPoolId} to do this.`,
    );
  });

  it('diagnose names a usable agent as usable and an agent outside the server as needing an invite', async () => {
    const registry = stack.get(AgentRegistry);
    const here = stack.agentIds.find(
      (id) => !stack.get(SessionRegistry).isAgentBusyInGuild(id, guild.guildId),
    )!;
    // The runner carries spare agents too (its capacity exceeds the guild's three); they are in no guild.
    await until(
      () => extraAgentIds.some((id) => registry.get(id)?.ready),
      'a spare agent to be ready',
      60_000,
    );
    const away = extraAgentIds.find((id) => registry.get(id)?.ready)!;
    const [usable, elsewhere] = await Promise.all([
      agents(adminId, 'diagnose', { agent: here }),
      agents(adminId, 'diagnose', { agent: away }),
    ]);

    expect(embedOf(usable).description).toBe(`<@${registry.get(here)!.botUserId}> is usable in this server.`);
    expect(field(embedOf(usable), 'Lease')).toMatch(/^runner `/);
    expect(embedOf(elsewhere).description).toBe(
      '• It is not a member of this server — invite it with /agents deploy.',
    );
    expect(field(embedOf(elsewhere), 'In this server')).toBe('no');
  });

  it('agent options autocomplete with the agents the user may name: this server’s first, their own contributions, pools they manage', async () => {
    const complete = (userId: string, typed: string) =>
      stack.discord.control.invokeAutocomplete({
        applicationId: stack.controllerBot.applicationId,
        userId,
        channelId: guild.textChannelIds[0],
        name: 'agents',
        subcommand: 'diagnose',
        options: { agent: typed },
        focused: 'agent',
        waitFor: 'ack',
      });

    const [member, poolOwner] = await Promise.all([complete(memberId, ''), complete(poolOwnerId, 'broken')]);

    const memberValues = member.choices!.map((choice) => choice.value);
    expect(memberValues.slice(0, 3).sort()).toEqual([...stack.agentIds].sort());
    expect(member.choices![0].name).toMatch(/\(agent\d+\) · active · in this server$/);
    expect(memberValues).toContain(`agent${giftClientId}`);
    expect(memberValues).not.toContain(failingAgentId);
    expect(poolOwner.choices).toEqual([
      { name: `broken (${failingAgentId}) · failed`, value: failingAgentId },
    ]);
  });

  it('advisor ranks the pools the user can use by free agents', async () => {
    const result = await agents(adminId, 'advisor');

    const lines = embedOf(result).description!.split('\n');
    expect(lines[0]).toContain(`(\`${stack.poolId}\`, public, selected here)`);
    expect(lines[0]).toMatch(/— \d+ free: \d+ idle here, \d+ to invite · \d+ usable$/);
    expect(lines).toEqual(expect.arrayContaining([expect.stringContaining(publicPoolId)]));
  });
});
