import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { installProcessGuards, listeningPort, startHttpApp } from '@app/lifecycle';
import { AgentRegistrationsService, PoolsService, PoolVisibility, RunnersService } from '@app/pools';
import { DiscordSandbox, LavalinkSandbox, TtsSandbox } from '@app/sandbox';
import { ControllerAppModule, loadControllerConfig } from '@apps/controller';
import { DashboardAppModule, loadDashboardConfig } from '@apps/dashboard';
import { FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { loadDemoConfig } from './demo/demo.config';

/**
 * `npm run demo`: the main job on an embedded default (SPEC §11). Boots the sandbox (Discord,
 * Lavalink, TTS), an embedded Postgres when DATABASE_URL is unset, and the apps as real servers
 * on real ports, then plays the scenario through the real protocols.
 *
 * Flags: `--once` runs the scenario and exits; `--json` prints one JSON summary on stdout
 * (logs go to stderr). Exit code 0 only when every step succeeded.
 */

const AGENT_IDENTITIES = 6;

/** Steps of the SPEC §11 scenario that later issues build; reported instead of faked. */
const NOT_BUILT_YET = [
  'agent runner logging agent identities into Discord (issue 4)',
  'deploying agents into two guilds (issue 5)',
  '/music play from users in voice channels, tracks starting and ending (issue 4)',
  'agent failover and idle release (issue 5)',
  'rate-limited slash commands (issue 6)',
  'metrics scrape of /metrics-app (issue 7)',
];

interface Summary {
  agents: { registered: number; connected: number; ready: number };
  guilds: number;
  commands: { sent: number; ok: number; failed: number; rateLimited: number };
  sessions: { allocated: number; released: number; failovers: number };
  tracks: { started: number; ended: number };
  allocationSeconds: { p50: number; p99: number };
  metrics: { scraped: number; missing: string[] };
  errors: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { once: { type: 'boolean' }, json: { type: 'boolean' } } });
  const json = values.json === true;
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  installProcessGuards();

  const demo = loadDemoConfig();
  const summary: Summary = {
    agents: { registered: 0, connected: 0, ready: 0 },
    guilds: 0,
    commands: { sent: 0, ok: 0, failed: 0, rateLimited: 0 },
    sessions: { allocated: 0, released: 0, failovers: 0 },
    tracks: { started: 0, ended: 0 },
    allocationSeconds: { p50: 0, p99: 0 },
    metrics: { scraped: 0, missing: [] },
    errors: [],
  };
  const closers: (() => Promise<unknown>)[] = [];
  const shutdown = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  try {
    say('▶ starting the sandbox (Discord, Lavalink, TTS emulators)');
    const discord = await DiscordSandbox.start();
    closers.push(() => discord.stop());
    const lavalink = await LavalinkSandbox.start({ timeScale: 0.01 });
    closers.push(() => lavalink.stop());
    const tts = await TtsSandbox.start();
    closers.push(() => tts.stop());

    // The sandbox starts empty each run, so the embedded database does too; a real one is kept.
    if (!demo.DATABASE_URL) rmSync(`${demo.DEMO_DATA_DIR}/pglite`, { recursive: true, force: true });
    say(
      demo.DATABASE_URL
        ? '▶ using Postgres at DATABASE_URL'
        : `▶ using a fresh embedded Postgres in ${demo.DEMO_DATA_DIR}/pglite`,
    );
    const shared = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
      HTTP_HOST: '127.0.0.1',
      TOKEN_ENCRYPTION_KEYS: demo.TOKEN_ENCRYPTION_KEYS,
      DATABASE_URL: demo.DATABASE_URL,
      EMBEDDED_DB_DIR: `${demo.DEMO_DATA_DIR}/pglite`,
    };
    const controllerConfig = loadControllerConfig({ ...shared, HEALTH_PORT: String(await portOr(8080)) });
    const controller = await startHttpApp(ControllerAppModule.forRoot(controllerConfig), {
      port: controllerConfig.HEALTH_PORT,
      host: controllerConfig.HTTP_HOST,
    });
    closers.push(() => controller.close());
    const dashboardConfig = loadDashboardConfig({ ...shared, DASHBOARD_PORT: String(await portOr(8788)) });
    const dashboard = await startHttpApp(DashboardAppModule.forRoot(dashboardConfig), {
      port: dashboardConfig.DASHBOARD_PORT,
      host: dashboardConfig.HTTP_HOST,
    });
    closers.push(() => dashboard.close());
    const funhubConfig = loadFunhubConfig({ ...shared, FUNHUB_PORT: String(await portOr(8790)) });
    const funhub = await startHttpApp(FunhubAppModule.forRoot(funhubConfig), {
      port: funhubConfig.FUNHUB_PORT,
      host: funhubConfig.HTTP_HOST,
    });
    closers.push(() => funhub.close());

    await runScenario(controller, discord, summary, say);
    summary.errors.push(...NOT_BUILT_YET.map((step) => `not built yet: ${step}`));

    const urls = {
      controller: `http://127.0.0.1:${listeningPort(controller)}/healthz`,
      readiness: `http://127.0.0.1:${listeningPort(controller)}/readyz`,
      dashboard: `http://127.0.0.1:${listeningPort(dashboard)}/health`,
      funhub: `http://127.0.0.1:${listeningPort(funhub)}/health`,
      discordSandbox: discord.urls.control,
      lavalinkSandbox: lavalink.url,
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      say('\nSummary');
      say(`  agents registered: ${summary.agents.registered}`);
      for (const [name, url] of Object.entries(urls)) say(`  ${name.padEnd(16)} ${url}`);
      say('\nNot built yet (see the issue tracker):');
      for (const step of NOT_BUILT_YET) say(`  - ${step}`);
    }
    if (values.once) {
      await shutdown();
      process.exit(summary.errors.length === 0 ? 0 : 1);
    }
    say('\nRunning; press Ctrl-C to stop.');
    const stop = () => void shutdown().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    summary.errors.push(error instanceof Error ? error.message : String(error));
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else say(`✖ demo failed: ${summary.errors.at(-1)}`);
    await shutdown();
    process.exit(1);
  }
}

/** Creates the people, guilds, pool, agent identities and runner credential of the scenario. */
async function runScenario(
  controller: INestApplicationContext,
  discord: DiscordSandbox,
  summary: Summary,
  say: (line: string) => void,
): Promise<void> {
  const owner = discord.control.createUser({ username: 'pool-owner' });
  for (const name of ['Lofi Lounge', 'Game Night']) {
    discord.control.createGuild({
      name,
      ownerId: owner.userId,
      voiceChannels: ['Music 1', 'Music 2', 'Chill'],
    });
    summary.guilds += 1;
  }
  say(`▶ created ${summary.guilds} guilds in the Discord sandbox`);

  const pools = controller.get(PoolsService);
  const agents = controller.get(AgentRegistrationsService);
  const runners = controller.get(RunnersService);
  const actor = { id: 'demo', operator: true };
  const poolId = `pool_${owner.userId}`;
  await pools.create({ ownerId: owner.userId, name: 'Demo pool', visibility: PoolVisibility.Public }, actor);
  say(`▶ created pool ${poolId}`);

  for (let index = 1; index <= AGENT_IDENTITIES; index += 1) {
    const app = discord.control.createApplication({ name: `Chopsticks Agent ${index}` });
    await agents.register(
      {
        poolId,
        clientId: app.clientId,
        tag: `Chopsticks Agent #${index}`,
        token: app.token,
        contributedBy: owner.userId,
      },
      actor,
    );
    summary.agents.registered += 1;
  }
  say(`▶ registered ${summary.agents.registered} agent tokens (AES-256-GCM encrypted in Postgres)`);
  const runner = await runners.create({ capacity: AGENT_IDENTITIES }, actor);
  say(`▶ issued runner credential for ${runner.runnerId}`);
}

/** The preferred port when it is free on 127.0.0.1, otherwise any free port. */
async function portOr(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : null;
        server.close(() => resolve(bound));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0)) ?? 0;
}

void main();
