import { spawn, type ChildProcess } from 'node:child_process';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import { sampleValue } from '@app/metrics';
import { FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { freePort, spawnApp, waitForHttp200 } from './support/app-process';
import { controllerUrl, createStack, type Stack } from './support/stack';

/** A redis-server of our own on a loopback port, so a test can take Redis away and bring it back. */
class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on `port` and waits until it accepts connections. */
  async up(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  /** Kills the server (SIGKILL: no goodbye to clients, like a crash) and waits for the exit. */
  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A running app under test: its base URL and how to stop it. */
interface RunningApp {
  base: string;
  close(): Promise<void>;
}

/**
 * Starts the dashboard as its own process (booted in a Jest worker it never finishes creating
 * its Fastify plugins) and waits for its liveness.
 */
async function startDashboardProcess(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const child = spawnApp('dashboard', {
    NODE_ENV: 'test',
    DASHBOARD_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
    await child.exited;
  };
  try {
    await waitForHttp200(`${base}/health`, 60_000);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  return { base, close };
}

/** Starts the FunHub in this process. */
async function startFunhub(env: Record<string, string>): Promise<RunningApp> {
  const app = await startHttpApp(FunhubAppModule.forRoot(loadFunhubConfig({ LOG_LEVEL: 'error', ...env })), {
    port: 0,
    host: '127.0.0.1',
  });
  return { base: `http://127.0.0.1:${listeningPort(app)}`, close: () => app.close() };
}

interface Readiness {
  status: number;
  body: {
    status: string;
    info?: Record<string, Record<string, unknown>>;
    error?: Record<string, Record<string, unknown>>;
  };
}

async function readiness(url: string): Promise<Readiness> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

/**
 * H1 on every app: `/readyz` reports each dependency (controller: postgres, redis, discord,
 * agent_gateway, lavalink as reported by agents; runner: postgres, agent_gateway, lavalink;
 * dashboard and FunHub: redis when configured) and is 503 while a required one is down, 200
 * again when it returns — against a real Redis we kill and restart, and the Lavalink sandbox
 * taken down.
 */
describe('readiness (H1)', () => {
  describe('controller and runner', () => {
    let stack: Stack;
    let redis: OwnRedis;

    beforeAll(async () => {
      redis = await OwnRedis.start();
      stack = await createStack({ agentCount: 1 });
      stack.createGuild({ agents: 'all' });
      await stack.startController({
        REDIS_URL: redis.url,
        BULLMQ_PREFIX: `readiness-${process.pid}-${Date.now()}`,
      });
      await stack.startRunner({ METRICS_TOKEN: 'runner-scrape-token' });
    });

    afterAll(async () => {
      await stack?.close();
      await redis?.down();
    });

    it('H1: every dependency is reported up once the agent is ready, Lavalink as its agents report it', async () => {
      const controller = `${controllerUrl(stack)}/readyz`;
      const runner = `http://127.0.0.1:${stack.runner!.healthPort}/readyz`;

      const ready = await poll(controller, (answer) => answer.body.info?.lavalink?.reachable === true);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({
        postgres: { status: 'up' },
        redis: { status: 'up' },
        discord: { status: 'up' },
        agent_gateway: { status: 'up' },
        lavalink: { status: 'up', required: false, reachable: true, nodes: { main: { connectedAgents: 1 } } },
      });
      const runnerReady = await poll(runner, (answer) => answer.status === 200);
      expect(runnerReady.body.info).toMatchObject({
        postgres: { status: 'up' },
        agent_gateway: { status: 'up' },
        lavalink: { status: 'up', configured: 1, reachable: 1, readyAgents: 1 },
      });
      // The runner's readiness names and its chopsticks_dependency_up labels are the same.
      const runnerScrape = await pollUntil(
        async () =>
          (
            await fetch(`http://127.0.0.1:${stack.runner!.healthPort}/metrics`, {
              headers: { authorization: 'Bearer runner-scrape-token' },
            })
          ).text(),
        (text) => sampleValue(text, 'chopsticks_dependency_up', { dependency: 'postgres' }) === 1,
      );
      for (const dependency of Object.keys(runnerReady.body.info ?? {}))
        expect({
          dependency,
          up: sampleValue(runnerScrape, 'chopsticks_dependency_up', { dependency }),
        }).toEqual({
          dependency,
          up: 1,
        });
      const scrape = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
      for (const dependency of ['postgres', 'redis', 'discord', 'agent_gateway', 'lavalink'])
        expect({ dependency, up: sampleValue(scrape, 'chopsticks_dependency_up', { dependency }) }).toEqual({
          dependency,
          up: 1,
        });
      expect(sampleValue(scrape, 'chopsticks_lavalink_nodes', { state: 'connected' })).toBe(1);
    });

    it('H1: the controller is 503 naming redis while Redis is down, and ready again when it returns', async () => {
      const controller = `${controllerUrl(stack)}/readyz`;
      await poll(controller, (answer) => answer.status === 200);

      await redis.down();
      const down = await poll(controller, (answer) => answer.status === 503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down' } },
        info: { postgres: { status: 'up' }, discord: { status: 'up' }, agent_gateway: { status: 'up' } },
      });
      expect(JSON.stringify(down.body)).not.toContain(redis.url);
      const scrape = await (await fetch(`${controllerUrl(stack)}/metrics-app`)).text();
      expect(sampleValue(scrape, 'chopsticks_dependency_up', { dependency: 'redis' })).toBe(0);
      expect((await fetch(`${controllerUrl(stack)}/healthz`)).status).toBe(200);

      await redis.up();
      const back = await poll(controller, (answer) => answer.status === 200);
      expect(back.body.info).toMatchObject({ redis: { status: 'up' } });
    });

    it('H1: the runner is 503 naming lavalink while its only node is down; the controller reports it unreachable', async () => {
      const runner = `http://127.0.0.1:${stack.runner!.healthPort}/readyz`;
      const controller = `${controllerUrl(stack)}/readyz`;
      await poll(runner, (answer) => answer.status === 200);

      await stack.lavalink.control.nodeDown({ keepSessions: false });
      const down = await poll(runner, (answer) => answer.status === 503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { lavalink: { status: 'down', reachable: 0, readyAgents: 1 } },
        info: { postgres: { status: 'up' }, agent_gateway: { status: 'up' } },
      });
      const seen = await poll(controller, (answer) => answer.body.info?.lavalink?.reachable === false);
      expect(seen.status).toBe(200);
      expect(seen.body.info?.lavalink).toMatchObject({ nodes: { main: { connectedAgents: 0 } } });

      await stack.lavalink.control.nodeUp();
      await poll(runner, (answer) => answer.status === 200);
      await poll(controller, (answer) => answer.body.info?.lavalink?.reachable === true);
    });

    it('H1: the dashboard reports the controller admin API it reads from as reachable', async () => {
      const dashboard = await startDashboardProcess({ CONTROLLER_API_URL: controllerUrl(stack) });
      try {
        const answer = await readiness(`${dashboard.base}/readyz`);

        expect(answer.status).toBe(200);
        expect(answer.body.info).toEqual({
          controller_api: { status: 'up', required: false, reachable: true },
        });
      } finally {
        await dashboard.close();
      }
    });

    it('H2: the runner’s /metrics needs its METRICS_TOKEN', async () => {
      const url = `http://127.0.0.1:${stack.runner!.healthPort}/metrics`;

      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const scrape = await fetch(url, { headers: { authorization: 'Bearer runner-scrape-token' } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('chopsticks_runner_leases_held');
    });
  });

  describe.each([
    {
      app: 'dashboard',
      // The controller admin API is reported but not required: here nothing listens on its URL.
      reported: {
        controller_api: expect.objectContaining({
          status: 'up',
          required: false,
          reachable: false,
        }) as unknown,
      },
      start: startDashboardProcess,
    },
    {
      app: 'funhub',
      reported: {} as Record<string, unknown>,
      start: startFunhub,
    },
  ])('$app', ({ start, reported }) => {
    let redis: OwnRedis;
    const apps: RunningApp[] = [];
    const base = (app: RunningApp) => app.base;

    beforeAll(async () => {
      redis = await OwnRedis.start();
    });
    afterAll(async () => {
      for (const app of apps.splice(0)) await app.close();
      await redis?.down();
    });

    it('H1: without REDIS_URL /readyz is 200 with nothing required to report', async () => {
      const app = await start({ CONTROLLER_API_URL: `http://127.0.0.1:${await freePort()}` });
      apps.push(app);

      const answer = await readiness(`${base(app)}/readyz`);

      expect(answer).toEqual({
        status: 200,
        body: expect.objectContaining({ status: 'ok', info: reported }),
      });
      expect((await fetch(`${base(app)}/health`)).status).toBe(200);
    });

    it('H1: with REDIS_URL /readyz reports redis, 503 while it is down, 200 when it is back', async () => {
      const app = await start({ REDIS_URL: redis.url });
      apps.push(app);
      const url = `${base(app)}/readyz`;

      expect(await readiness(url)).toMatchObject({
        status: 200,
        body: { info: { redis: { status: 'up' } } },
      });
      await redis.down();
      const down = await poll(url, (answer) => answer.status === 503);
      expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      expect(JSON.stringify(down.body)).not.toContain(redis.url);
      expect((await fetch(`${base(app)}/health`)).status).toBe(200);
      await redis.up();
      await poll(url, (answer) => answer.status === 200);
    });

    it('H1: chopsticks_dependency_up{redis} follows Redis down and back without any /readyz call', async () => {
      const app = await start({ REDIS_URL: redis.url });
      apps.push(app);
      const redisUp = async () =>
        sampleValue(await (await fetch(`${base(app)}/metrics`)).text(), 'chopsticks_dependency_up', {
          dependency: 'redis',
        });

      await pollUntil(redisUp, (up) => up === 1);
      await redis.down();
      expect(await pollUntil(redisUp, (up) => up === 0)).toBe(0);
      await redis.up();
      expect(await pollUntil(redisUp, (up) => up === 1)).toBe(1);
    });

    it('H2: /metrics is 401 without the METRICS_TOKEN bearer and 200 with it', async () => {
      const app = await start({ METRICS_TOKEN: 'scrape-me' });
      apps.push(app);
      const url = `${base(app)}/metrics`;

      expect((await fetch(url)).status).toBe(401);
      const scrape = await fetch(url, { headers: { authorization: 'Bearer scrape-me' } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('process_cpu_seconds_total');
    });
  });
});

/** Fetches `/readyz` every 100 ms until `accept` holds (30 s at most); returns that answer. */
async function poll(url: string, accept: (answer: Readiness) => boolean): Promise<Readiness> {
  const deadline = Date.now() + 30_000;
  let last: Readiness | null = null;
  while (Date.now() < deadline) {
    try {
      last = await readiness(url);
      if (accept(last)) return last;
    } catch (error) {
      last = { status: 0, body: { status: String(error) } };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never matched within 30 s; last answer ${JSON.stringify(last)}`);
}

/** Calls `read` every 100 ms until `accept` holds (30 s at most); returns that value. */
async function pollUntil<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`value never matched within 30 s; last ${JSON.stringify(last)}`);
}
