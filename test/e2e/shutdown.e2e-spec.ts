import Redis from 'ioredis';
import { Client } from 'pg';
import { sampleValue } from '@app/metrics';
import { operator } from '../utils/factories';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from './support/app-process';
import { createStack, type Stack, until } from './support/stack';
import { testConfig } from '../utils/test-config';

const REDIS_URL = testConfig.redisUrl;

/** Postgres sessions of the database opened by `application_name`. */
async function postgresSessions(url: string, applicationName: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [applicationName],
    );
    return Number(rows[0].count);
  } finally {
    await client.end();
  }
}

/** Redis client connections named `name` (ioredis `connectionName`). */
async function redisClients(redis: Redis, name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/**
 * O3 with real processes: the controller runs as its own process (`apps/controller/src/main.ts`)
 * on a real Postgres and Redis with a runner process connected and agents ready. On SIGTERM it
 * stops taking commands, tells the runner (`shutdown` frame, socket closed 1001), closes the agent
 * gateway, Discord, Redis and Postgres, and exits 0 before its 10 s watchdog would force exit 1.
 */
describe('controller graceful shutdown (O3)', () => {
  let stack: Stack;
  let redis: Redis;
  let controller: AppProcess;
  let runner: AppProcess;
  let healthPort: number;
  let runnerEnv: Record<string, string>;
  const bullPrefix = `shutdown-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2 });
    stack.createGuild({ agents: 'all' });
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    healthPort = await freePort();
    const gatewayPort = await freePort();
    controller = spawnApp('controller', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: stack.ctx.db.url,
      DATABASE_POOL_SIZE: '3',
      TOKEN_ENCRYPTION_KEYS: stack.ctx.keys,
      REDIS_URL,
      BULLMQ_PREFIX: bullPrefix,
      HEALTH_PORT: String(healthPort),
      HTTP_HOST: '127.0.0.1',
      AGENT_CONTROL_PORT: String(gatewayPort),
      AGENT_CONTROL_HOST: '127.0.0.1',
      AGENT_HEARTBEAT_INTERVAL_MS: '1000',
      DISCORD_TOKEN: stack.controllerBot.token,
      DISCORD_CLIENT_ID: stack.controllerBot.clientId,
      DISCORD_API_URL: stack.discord.urls.api,
    });
    await waitForHttp200(`http://127.0.0.1:${healthPort}/readyz`, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${controller.output()}`);
    });
    const runnerPort = await freePort();
    runnerEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: stack.ctx.db.url,
      DATABASE_POOL_SIZE: '3',
      TOKEN_ENCRYPTION_KEYS: stack.ctx.keys,
      AGENT_CONTROL_URL: `ws://127.0.0.1:${gatewayPort}`,
      RUNNER_ID: stack.runnerCredential.runnerId,
      RUNNER_SECRET: stack.runnerCredential.secret,
      RUNNER_CAPACITY: '10',
      LEASE_TTL_SECONDS: '5',
      DISCORD_API_URL: stack.discord.urls.api,
      LAVALINK_NODES: `main=${stack.lavalink.url}#youshallnotpass`,
      CONTROL_RECONNECT_BASE_MS: '200',
      HEALTH_PORT: String(runnerPort),
      HTTP_HOST: '127.0.0.1',
    };
    runner = spawnApp('agents', runnerEnv);
    // Both agents ready at the controller, as its own metrics say.
    let scrape = '';
    const deadline = Date.now() + 60_000;
    while (sampleValue(scrape, 'chopsticks_agent_ready') !== 2 && Date.now() < deadline) {
      scrape = await fetch(`http://127.0.0.1:${healthPort}/metrics-app`).then((r) => r.text());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (sampleValue(scrape, 'chopsticks_agent_ready') !== 2)
      throw new Error(`agents never became ready\n${runner.output()}\n${controller.output()}`);
  });

  afterAll(async () => {
    for (const child of [runner, controller]) {
      if (child && child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGKILL');
        await child.exited;
      }
    }
    await redis?.quit();
    await stack?.close();
  });

  it('logs each agent gateway frame with its correlation ids (connection, runner, frame type)', async () => {
    const credential = await stack.ctx.runners.create({ capacity: 1 }, operator);
    const port = await freePort();
    const extra = spawnApp('agents', {
      ...runnerEnv,
      RUNNER_ID: credential.runnerId,
      RUNNER_SECRET: credential.secret,
      RUNNER_CAPACITY: '1',
      HEALTH_PORT: String(port),
    });
    try {
      await until(
        () => controller.output().includes(`runner ${credential.runnerId} connected`),
        'the runner',
        30_000,
      );
    } finally {
      extra.child.kill('SIGTERM');
      await extra.exited;
    }
    const draining = (): Record<string, unknown> | undefined =>
      controller
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => String(line.msg).includes(`runner ${credential.runnerId} is draining`));
    await until(() => draining() !== undefined, 'the controller to log the drain frame', 10_000);

    expect(draining()).toMatchObject({
      app: 'controller',
      context: 'AgentGateway',
      frame: 'drain',
      runnerId: credential.runnerId,
      connectionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('O3: on SIGTERM it tells the runner, closes gateway, Discord, Redis and Postgres, and exits 0 within 10 s', async () => {
    const botUserId = stack.controllerBot.botUserId;
    expect(stack.discord.control.isConnected(botUserId)).toBe(true);
    expect(await postgresSessions(stack.ctx.db.url, 'chopsticks-controller')).toBeGreaterThan(0);
    expect(await redisClients(redis, `chopsticks-readiness-${controller.child.pid}`)).toBeGreaterThan(0);

    const startedAt = Date.now();
    controller.child.kill('SIGTERM');
    const code = await controller.exited;
    const tookMs = Date.now() - startedAt;

    expect({ code, output: code === 0 ? '' : controller.output() }).toEqual({ code: 0, output: '' });
    expect(tookMs).toBeLessThan(10_000);
    const logged = controller.output();
    expect(logged).not.toContain('shutdown exceeded');
    expect(logged).toContain('agent gateway stopped');
    // The runner was told (shutdown frame before the 1001 close) and stays up to reconnect.
    await until(
      () => runner.output().includes('controller is shutting down'),
      'the runner to hear it',
      5_000,
    );
    expect(runner.child.exitCode).toBeNull();
    // Nothing of the controller is left connected.
    expect(stack.discord.control.isConnected(botUserId)).toBe(false);
    expect(await postgresSessions(stack.ctx.db.url, 'chopsticks-controller')).toBe(0);
    expect(await redisClients(redis, `chopsticks-readiness-${controller.child.pid}`)).toBe(0);
  });
});
