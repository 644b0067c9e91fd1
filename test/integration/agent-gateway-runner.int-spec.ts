import { type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetricsModule } from '@app/metrics';
import { PoolsModule } from '@app/pools';
import { type ApplicationCreated, DiscordSandbox, type GuildCreated, LavalinkSandbox } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import * as gatewayFeature from '@apps/controller';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from '../e2e/support/app-process';
import { operator, snowflake } from '../utils/factories';
import { createPoolsTestContext, type PoolsTestContext } from '../utils/pools-context';

const { AgentGateway, AgentGatewayEvents, AgentGatewayModule, AgentRpcClient } = gatewayFeature;

jest.setTimeout(120_000);

async function until(test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Contract check between the two real sides of the agent protocol: the controller's gateway
 * (in-process Nest app on port 0) and the agent runner app (`apps/agents`, a real process)
 * against Postgres and the Discord and Lavalink sandboxes.
 */
describe(`${AgentGateway.name} with the real agent runner`, () => {
  let ctx: PoolsTestContext;
  let discord: DiscordSandbox;
  let lavalink: LavalinkSandbox;
  let app: INestApplicationContext;
  let runnerProcess: AppProcess | null = null;
  let bots: ApplicationCreated[];
  let guild: GuildCreated;
  let runner: { runnerId: string; secret: string };

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    discord = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
    lavalink = await LavalinkSandbox.start({});
    const pools = PoolsModule.forRoot({
      databaseUrl: ctx.db.url,
      tokenEncryptionKeys: ctx.keys,
      poolSize: 3,
    });
    class GatewayRunnerTestModule {}
    const root: DynamicModule = {
      module: GatewayRunnerTestModule,
      imports: [
        MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
        pools,
        AgentGatewayModule.forRootAsync({
          imports: [pools],
          useFactory: () => ({ port: 0, host: '127.0.0.1' }),
        }),
      ],
    };
    app = await NestFactory.createApplicationContext(root, { logger: false });
    await app.init();

    const ownerId = snowflake();
    const pool = await ctx.pools.create({ ownerId, name: 'Runner pool' }, operator);
    bots = [1, 2].map((i) =>
      discord.control.createApplication({ name: `Agent ${i}`, username: `agent${i}` }),
    );
    const { userId: humanId } = discord.control.createUser({ username: 'listener' });
    guild = discord.control.createGuild({
      name: 'Music Guild',
      ownerId: humanId,
      textChannels: ['general'],
      voiceChannels: ['Lounge'],
      members: bots.map((bot) => bot.botUserId),
    });
    for (const bot of bots) {
      await ctx.agents.register(
        { poolId: pool.id, clientId: bot.clientId, tag: 'Agent', token: bot.token },
        operator,
      );
    }
    runner = await ctx.runners.create({ capacity: 10 }, operator);
  });

  afterAll(async () => {
    if (runnerProcess && runnerProcess.child.exitCode === null && runnerProcess.child.signalCode === null) {
      runnerProcess.child.kill('SIGKILL');
      await runnerProcess.exited;
    }
    await app.close();
    await lavalink.stop();
    await discord.stop();
    await ctx.close();
  });

  it('admits the runner, makes its leased agents live and ready, serves status, and drains on SIGTERM', async () => {
    const gateway = app.get(AgentGateway);
    const registry = app.get(AgentRegistry);
    const drains: string[] = [];
    const lost: string[] = [];
    app.get(AgentGatewayEvents).on('runner.drain', ({ runnerId }) => drains.push(runnerId));
    gateway.onAgentsLost((agentIds) => lost.push(...agentIds));
    const healthPort = await freePort();
    runnerProcess = spawnApp('agents', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: ctx.db.url,
      TOKEN_ENCRYPTION_KEYS: ctx.keys,
      DATABASE_POOL_SIZE: '3',
      AGENT_CONTROL_URL: `ws://127.0.0.1:${gateway.port}`,
      RUNNER_ID: runner.runnerId,
      RUNNER_SECRET: runner.secret,
      RUNNER_CAPACITY: '10',
      LEASE_TTL_SECONDS: '5',
      DISCORD_API_URL: discord.urls.api,
      LAVALINK_NODES: `main=${lavalink.url}#youshallnotpass`,
      CONTROL_RECONNECT_BASE_MS: '50',
      HEALTH_PORT: String(healthPort),
      HTTP_HOST: '127.0.0.1',
    });
    try {
      await waitForHttp200(`http://127.0.0.1:${healthPort}/healthz`, 60_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${runnerProcess.output()}`);
    }
    await until(() => registry.readyCount === 2, 'both agents live and ready');

    const agentIds = bots.map((bot) => `agent${bot.clientId}`).sort();
    expect([...registry.agentIdsInGuild(guild.guildId)].sort()).toEqual(agentIds);
    expect(gateway.connectionCount).toBe(1);
    expect(registry.get(agentIds[0])!.runnerId).toBe(runner.runnerId);

    const status = await app.get(AgentRpcClient).call(agentIds[0], 'status', {});
    expect(status).toMatchObject({
      agentId: agentIds[0],
      ready: true,
      guilds: [{ guildId: guild.guildId, voiceChannelId: null }],
    });

    runnerProcess.child.kill('SIGTERM');
    await runnerProcess.exited;
    await until(() => registry.size === 0 && gateway.connectionCount === 0, 'runner gone');
    expect(drains).toEqual([runner.runnerId]);
    expect(lost.sort()).toEqual(agentIds);
  });
});
