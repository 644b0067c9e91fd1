import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnApp, waitForHttp200 } from './support/app-process';

/**
 * Each app boots as a real process, answers its health endpoint on its port, exits 0 within
 * 10 s of SIGTERM, and refuses to start on a malformed variable, naming it (issue 2).
 */
describe('apps boot', () => {
  const embeddedDir = mkdtempSync(join(tmpdir(), 'chopsticks-boot-'));
  const tokenKeys = `k1:${randomBytes(32).toString('base64')}`;
  afterAll(() => rmSync(embeddedDir, { recursive: true, force: true }));

  const apps: { app: string; portVariable: string; path: string; env: Record<string, string> }[] = [
    {
      app: 'controller',
      portVariable: 'HEALTH_PORT',
      path: '/healthz',
      env: { TOKEN_ENCRYPTION_KEYS: tokenKeys, EMBEDDED_DB_DIR: embeddedDir },
    },
    { app: 'dashboard', portVariable: 'DASHBOARD_PORT', path: '/health', env: {} },
    { app: 'funhub', portVariable: 'FUNHUB_PORT', path: '/health', env: {} },
  ];

  it.each(apps)('$app serves $path and exits 0 on SIGTERM', async ({ app, portVariable, path, env }) => {
    const port = await freePort();
    const sut = spawnApp(app, { ...env, [portVariable]: String(port), HTTP_HOST: '127.0.0.1' });
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

  it('controller on the embedded database (DATABASE_URL unset) reports Postgres ready', async () => {
    const port = await freePort();
    const sut = spawnApp('controller', {
      HEALTH_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      TOKEN_ENCRYPTION_KEYS: tokenKeys,
      EMBEDDED_DB_DIR: embeddedDir,
    });
    try {
      const response = await waitForHttp200(`http://127.0.0.1:${port}/readyz`);
      await expect(response.json()).resolves.toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' } },
      });
    } finally {
      sut.child.kill('SIGTERM');
      await expect(sut.exited).resolves.toBe(0);
    }
  });

  it('controller without TOKEN_ENCRYPTION_KEYS refuses to start and names the variable', async () => {
    const sut = spawnApp('controller', { EMBEDDED_DB_DIR: embeddedDir });
    await expect(sut.exited).resolves.toBe(1);
    expect(sut.output()).toContain('TOKEN_ENCRYPTION_KEYS: is required but not set');
  });

  it.each(apps)('$app refuses a malformed $portVariable and names it', async ({ app, portVariable, env }) => {
    const sut = spawnApp(app, { ...env, [portVariable]: 'not-a-port' });
    await expect(sut.exited).resolves.toBe(1);
    expect(sut.output()).toContain(`${portVariable}: must be number`);
  });
});
