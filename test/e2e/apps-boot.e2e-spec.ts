import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordSandbox } from '@app/sandbox';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { freePort, spawnApp, waitForHttp200 } from './support/app-process';

/**
 * Each app boots as a real process, answers its health endpoint on its port, exits 0 within
 * 10 s of SIGTERM, and refuses to start on a malformed variable, naming it (issue 2). The
 * controller reports each dependency on /readyz and is 503 while a required one is down (H1).
 */
describe('apps boot', () => {
  const embeddedDir = mkdtempSync(join(tmpdir(), 'chopsticks-boot-'));
  const tokenKeys = `k1:${randomBytes(32).toString('base64')}`;
  let discord: DiscordSandbox;
  let controllerEnv: Record<string, string>;

  beforeAll(async () => {
    discord = await DiscordSandbox.start();
    const bot = discord.control.createApplication({ name: 'Chopsticks Controller' });
    controllerEnv = {
      TOKEN_ENCRYPTION_KEYS: tokenKeys,
      EMBEDDED_DB_DIR: embeddedDir,
      DISCORD_TOKEN: bot.token,
      DISCORD_CLIENT_ID: bot.clientId,
      DISCORD_API_URL: discord.urls.api,
      AGENT_CONTROL_PORT: '0',
      AGENT_CONTROL_HOST: '127.0.0.1',
    };
  });

  afterAll(async () => {
    await discord.stop();
    rmSync(embeddedDir, { recursive: true, force: true });
  });

  const apps: { app: string; portVariable: string; path: string; env: () => Record<string, string> }[] = [
    { app: 'controller', portVariable: 'HEALTH_PORT', path: '/healthz', env: () => controllerEnv },
    { app: 'dashboard', portVariable: 'DASHBOARD_PORT', path: '/health', env: () => ({}) },
    { app: 'funhub', portVariable: 'FUNHUB_PORT', path: '/health', env: () => ({}) },
  ];

  it.each(apps)('$app serves $path and exits 0 on SIGTERM', async ({ app, portVariable, path, env }) => {
    const port = await freePort();
    const sut = spawnApp(app, { ...env(), [portVariable]: String(port), HTTP_HOST: '127.0.0.1' });
    try {
      const response = await waitForHttp200(`http://127.0.0.1:${port}${path}`);
      await expect(response.json()).resolves.toEqual({ status: 'ok' });
    } finally {
      const startedAt = Date.now();
      sut.child.kill('SIGTERM');
      await expect(sut.exited).resolves.toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    }
  });

  it('H1: controller on the embedded database (DATABASE_URL unset) reports every dependency ready', async () => {
    const port = await freePort();
    const sut = spawnApp('controller', {
      ...controllerEnv,
      HEALTH_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
    });
    try {
      const response = await waitForHttp200(`http://127.0.0.1:${port}/readyz`);
      await expect(response.json()).resolves.toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' }, discord: { status: 'up' }, agent_gateway: { status: 'up' } },
      });
    } finally {
      sut.child.kill('SIGTERM');
      await expect(sut.exited).resolves.toBe(0);
    }
  });

  describe('with a real Postgres that goes away', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it('H1: /healthz stays 200 while /readyz turns 503 naming postgres', async () => {
      const port = await freePort();
      const sut = spawnApp('controller', {
        ...controllerEnv,
        DATABASE_URL: database.url,
        HEALTH_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
      });
      try {
        await waitForHttp200(`http://127.0.0.1:${port}/readyz`);
        await database.drop();
        const readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(readiness.status).toBe(503);
        await expect(readiness.json()).resolves.toMatchObject({
          status: 'error',
          error: { postgres: { status: 'down' } },
          info: { discord: { status: 'up' } },
        });
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      } finally {
        sut.child.kill('SIGTERM');
        await expect(sut.exited).resolves.toBe(0);
      }
    });
  });

  it('controller without TOKEN_ENCRYPTION_KEYS refuses to start and names the variable', async () => {
    const { TOKEN_ENCRYPTION_KEYS: _omitted, ...rest } = controllerEnv;
    const sut = spawnApp('controller', rest);
    await expect(sut.exited).resolves.toBe(1);
    expect(sut.output()).toContain('TOKEN_ENCRYPTION_KEYS: is required but not set');
  });

  it('funhub behind a trusted proxy (TRUST_PROXY) counts failed authentications per X-Forwarded-For client', async () => {
    const port = await freePort();
    const sut = spawnApp('funhub', {
      FUNHUB_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      FUNHUB_API_KEYS: randomBytes(24).toString('base64url'),
      FUNHUB_AUTH_FAILURE_LIMIT: '2',
      TRUST_PROXY: 'loopback',
    });
    try {
      await waitForHttp200(`http://127.0.0.1:${port}/health`);
      const wrongKeyFrom = async (client: string) =>
        (
          await fetch(`http://127.0.0.1:${port}/api/fun/random`, {
            headers: { 'x-api-key': `wrong-${randomBytes(8).toString('hex')}`, 'x-forwarded-for': client },
          })
        ).status;

      const first = [await wrongKeyFrom('203.0.113.7'), await wrongKeyFrom('203.0.113.7')];
      const limited = await wrongKeyFrom('203.0.113.7');
      const otherClient = await wrongKeyFrom('198.51.100.9');

      expect({ first, limited, otherClient }).toEqual({ first: [401, 401], limited: 429, otherClient: 401 });
    } finally {
      sut.child.kill('SIGTERM');
      await sut.exited;
    }
  });

  it.each(apps)('$app refuses a malformed $portVariable and names it', async ({ app, portVariable, env }) => {
    const sut = spawnApp(app, { ...env(), [portVariable]: 'not-a-port' });
    await expect(sut.exited).resolves.toBe(1);
    expect(sut.output()).toContain(`${portVariable}: must be number`);
  });
});
