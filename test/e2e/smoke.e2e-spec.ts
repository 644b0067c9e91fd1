import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DiscordSandbox } from '@app/sandbox';
import { freePort, REPO_ROOT } from './support/app-process';
import { until } from './support/stack';

/**
 * `npm run smoke` as a real child process against a running `npm run demo` (a real
 * child process too, on a fresh database on the machine's Postgres, free ports): every health
 * endpoint, both metrics endpoints and a slash command round trip through the sandbox pass; with
 * one app unreachable the exit code is 1 and the failed check is named; real-Discord mode checks a
 * bot token and its registered commands (here against a separate Discord sandbox's REST API).
 */
jest.setTimeout(180_000);

interface SmokeReport {
  ok: boolean;
  mode: 'sandbox' | 'discord';
  checks: { name: string; ok: boolean; detail: string; ms: number }[];
}

interface SmokeRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

function runSmoke(env: Record<string, string>): Promise<SmokeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'smoke', '--', '--json'], {
      cwd: REPO_ROOT,
      env: { PATH, ENV_FILE: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }));
  });
}

function reportOf(run: SmokeRun): SmokeReport {
  return JSON.parse(run.stdout.trim()) as SmokeReport;
}

describe('npm run smoke against a running npm run demo', () => {
  let dataDir: string;
  let demo: ChildProcess;
  let demoOutput = '';
  let demoExit: Promise<unknown>;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chopsticks-smoke-'));
    demo = spawn('npm', ['run', '-s', 'demo'], {
      cwd: REPO_ROOT,
      env: { PATH, ENV_FILE: 'none', DEMO_DATA_DIR: dataDir, DEMO_PORTS: 'auto', HOME: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    demo.stdout?.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    demoExit = new Promise((resolve) => demo.once('exit', resolve));
    // The "Running;" line comes after the summary and after stack.json is written: waiting for the
    // file alone could read the output before its last lines arrived.
    const ran = () => demoOutput.includes('Running; `npm run smoke` checks this stack');
    await until(() => ran() || demo.exitCode !== null, 'the demo printing its "Running;" line', 120_000);
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(true);
    env = { DEMO_DATA_DIR: dataDir, HOME: dataDir };
  });

  afterAll(async () => {
    const running = () => demo?.pid !== undefined && demo.exitCode === null && demo.signalCode === null;
    if (running()) {
      // Ctrl-C, as a person stops the demo; the demo's process group, since npm runs it.
      process.kill(-(demo.pid as number), 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([demoExit, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer);
      if (running()) process.kill(-(demo.pid as number), 'SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the demo ran every step before it kept running', () => {
    expect(demoOutput).toContain('Running; `npm run smoke` checks this stack');
    expect(demoOutput).not.toContain('Failed steps:');
  });

  it('the summary lists every session release by reason and the Swagger key reads the admin API', async () => {
    const released = /sessions +\d+ allocated, (\d+) released \(([^)]*)\)/.exec(demoOutput);
    expect(released).not.toBeNull();
    const byReason = (released?.[2] ?? '').split(', ').map((part) => Number(part.split(' ')[0]));
    expect(byReason.reduce((total, count) => total + count, 0)).toBe(Number(released?.[1]));
    expect(released?.[2]).toMatch(/\d+ channel-empty/);

    // A demo-only credential of the run's throwaway database, printed once for Swagger's Authorize.
    const key = /Swagger UI: press Authorize[^\n]*\n\s*(cs_\S+)/.exec(demoOutput)?.[1];
    expect(key).toMatch(/^cs_[0-9a-f]{8}_[\w-]{40,}$/);
    const { controller } = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as {
      controller: string;
    };
    const pools = await fetch(`${controller}/api/v1/pools`, { headers: { authorization: `Bearer ${key}` } });
    expect(pools.status).toBe(200);
    expect(readFileSync(join(dataDir, 'stack.json'), 'utf8')).not.toContain(key);
  });

  it('every health endpoint, both metrics endpoints and the sandbox slash round trip pass: exit 0', async () => {
    const run = await runSmoke(env);
    const report = reportOf(run);

    expect(report.checks.map((check) => [check.name, check.ok])).toEqual([
      ['controller /healthz', true],
      ['controller /readyz', true],
      ['runner /healthz', true],
      ['dashboard /health', true],
      ['funhub /health', true],
      ['controller /metrics', true],
      ['controller /metrics-app', true],
      ['slash command round trip (sandbox)', true],
    ]);
    expect(report).toMatchObject({ ok: true, mode: 'sandbox' });
    expect(report.checks.at(-1)?.detail).toMatch(/^\/pools list answered "Pools you can use/);
    expect(run.code).toBe(0);
  });

  it('with FunHub unreachable the exit code is 1 and only that check fails, named on stderr', async () => {
    const nothingThere = `http://127.0.0.1:${await freePort()}`;

    const run = await runSmoke({ ...env, SMOKE_FUNHUB_URL: nothingThere });

    const report = reportOf(run);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((check) => !check.ok).map((check) => check.name)).toEqual(['funhub /health']);
    expect(run.stderr).toContain('smoke: FAILED funhub /health:');
    expect(run.code).toBe(1);
  });

  it('real-Discord mode: a valid bot token and registered commands pass; a refused token fails naming the check', async () => {
    const discord = await DiscordSandbox.start();
    try {
      const bot = discord.control.createApplication({ name: 'Smoke bot', username: 'smokebot' });
      const { userId } = discord.control.createUser({ username: 'owner' });
      const guild = discord.control.createGuild({ name: 'Prod', ownerId: userId, members: [bot.botUserId] });
      const api = `${discord.urls.api}/v10`;
      const discordEnv = { ...env, SMOKE_DISCORD_API_URL: api, SMOKE_GUILD_ID: guild.guildId };

      const missing = reportOf(await runSmoke({ ...discordEnv, SMOKE_DISCORD_TOKEN: bot.token }));
      expect(missing.mode).toBe('discord');
      expect(missing.checks.find((check) => check.name === 'Discord bot token (GET /users/@me)')?.ok).toBe(
        true,
      );
      const registered = missing.checks.find((check) => check.name === 'registered slash commands');
      expect(registered?.ok).toBe(false);
      expect(registered?.detail).toContain('/music, /assistant, /agents, /pools, /fun');

      const put = await fetch(`${api}/applications/${bot.applicationId}/guilds/${guild.guildId}/commands`, {
        method: 'PUT',
        headers: { authorization: `Bot ${bot.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          ['music', 'assistant', 'agents', 'pools', 'fun'].map((name) => ({
            name,
            description: name,
            type: 1,
          })),
        ),
      });
      expect(put.status).toBe(200);
      const passing = await runSmoke({ ...discordEnv, SMOKE_DISCORD_TOKEN: bot.token });
      expect(reportOf(passing).ok).toBe(true);
      expect(passing.code).toBe(0);

      const refused = await runSmoke({ ...discordEnv, SMOKE_DISCORD_TOKEN: `${bot.token}x` });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('smoke: FAILED Discord bot token (GET /users/@me): Discord refused');
      expect(`${refused.stdout}${refused.stderr}${passing.stdout}`).not.toContain(bot.token);
    } finally {
      await discord.stop();
    }
  });

  it('the stack file names the running demo and holds no secret', () => {
    const stack = readFileSync(join(dataDir, 'stack.json'), 'utf8');
    expect(JSON.parse(stack)).toMatchObject({ sandbox: { applicationId: expect.any(String) } });
    expect(stack).not.toMatch(/[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}/);
  });
});
