import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installProcessGuards, listeningPort, startHttpApp } from '@app/lifecycle';
import { parseExposition } from '@app/metrics';
import { AgentRegistrationsService, PoolsService, PoolVisibility, RunnersService } from '@app/pools';
import { DiscordSandbox, LavalinkSandbox, TtsSandbox } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import { AgentsAppModule, loadAgentsConfig } from '@apps/agents';
import { AgentGateway, ControllerAppModule, loadControllerConfig, setupAdminApiDocs } from '@apps/controller';
import { DashboardAppModule, loadDashboardConfig } from '@apps/dashboard';
import { FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { loadDemoConfig } from './demo/demo.config';
import { histogramQuantile } from './demo/histogram';
import { type DemoGuild, runMusicScenario } from './demo/music-scenario';
import {
  type DemoRunner,
  runAssistantScenario,
  runFailoverScenario,
  runIdleRelease,
} from './demo/recovery-scenario';
import { choosePort, DEMO_DEFAULT_PORTS } from './demo/ports';
import {
  type DemoSummary,
  emptySummary,
  NOT_BUILT_YET,
  NOT_BUILT_YET_PREFIX,
  RUNBOOK_METRICS,
  until,
  within,
} from './demo/summary';

/**
 * `npm run demo`: the main job on an embedded default (SPEC §11). Boots the sandbox (Discord,
 * Lavalink, TTS), an embedded Postgres when DATABASE_URL is unset, the controller (idle release at
 * 1 s), two agent runners (3 + 3 agents, `TTS_URL` set), the dashboard and FunHub in this process
 * as real servers on real ports, then plays the scenario through the real protocols: pool,
 * encrypted agent tokens, agents invited into two guilds, people in voice channels running
 * `/music play` concurrently, tracks starting and ending in the Lavalink emulator, `/music stop`;
 * people leaving voice and the idle sweep (scripts/demo/recovery-scenario.ts), `/assistant join`,
 * `say` and `leave`, runner A stopped while its agent plays and the session failing over to runner
 * B, and a scrape of `/metrics-app`.
 *
 * Flags: `--once` runs the scenario and exits; `--json` prints one JSON summary on stdout
 * (progress and logs go to stderr). Exit code 0 only when every step succeeded — steps later
 * issues build are listed in `errors` as `not built yet: …`. Env: `DATABASE_URL`,
 * `DEMO_DATA_DIR`, `DEMO_PORTS=default|auto`, `TOKEN_ENCRYPTION_KEYS` (see demo.config.ts).
 */

const AGENT_IDENTITIES = 6;
/** Two runners split the identities; leases decide who carries which. */
const RUNNER_CAPACITIES = [3, 3] as const;
const RUNNER_NAMES = ['A', 'B'] as const;
/** Idle-release threshold of the demo's controller (seconds). */
const IDLE_RELEASE_SECONDS = 1;
/** Wall ms per track ms: a 3-minute track plays for about one second. */
const TIME_SCALE = 1 / 180;
/** Agents invited per guild (the deploy planner, `/agents deploy`, is issue 5). */
const GUILD_PLAN = [
  {
    name: 'Lofi Lounge',
    agents: 4,
    people: [
      ['ana', 'Music 1', 'rainy day arcade'],
      ['ben', 'Music 2', 'cold brew sunrise'],
      ['cy', 'Music 3', 'paper moon parade'],
      ['dee', 'Music 4', 'tea at the observatory'],
      ['eve', 'Chill', 'static bloom'],
    ],
  },
  {
    name: 'Game Night',
    agents: 2,
    people: [
      ['finn', 'Raid', 'pixel heart'],
      ['gus', 'Lobby', 'lighthouse radio'],
      ['hal', 'AFK', 'neon harbor'],
    ],
  },
] as const;
/** A radio bot (not a human) plays in this voice channel of the last guild: the idle sweep's case. */
const RADIO_CHANNEL = 'Radio';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { once: { type: 'boolean' }, json: { type: 'boolean' } } });
  const json = values.json === true;
  // With --json, stdout carries exactly one JSON object: anything else that writes to stdout
  // (e.g. Nest flushing its buffered boot logs after a failed boot) is sent to stderr instead.
  const writeStdout = process.stdout.write.bind(process.stdout);
  if (json) process.stdout.write = process.stderr.write.bind(process.stderr);
  const printJson = (summary: DemoSummary) => writeStdout(`${JSON.stringify(summary)}\n`);
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  /** The step in progress, named in the error when it fails. */
  let step = 'starting the sandbox';
  installProcessGuards();

  const demo = loadDemoConfig();
  const port = (preferred: number) => choosePort(preferred, demo.DEMO_PORTS);
  const summary: DemoSummary = emptySummary();
  const closers: (() => Promise<unknown>)[] = [];
  const shutdown = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  const startedAt = Date.now();

  try {
    say('▶ starting the sandbox (Discord, Lavalink, TTS emulators)');
    const discord = await DiscordSandbox.start({ heartbeatIntervalMs: 5000 });
    closers.push(() => discord.stop());
    const lavalink = await LavalinkSandbox.start({ timeScale: TIME_SCALE });
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

    step = 'creating the Discord world';
    // The world people live in: the controller bot, two guilds with voice channels, people.
    const controllerBot = discord.control.createApplication({ name: 'Chopsticks', username: 'chopsticks' });
    const { userId: ownerId } = discord.control.createUser({ username: 'pool-owner' });
    const agentApps = Array.from({ length: AGENT_IDENTITIES }, (_, i) =>
      discord.control.createApplication({ name: `Chopsticks Agent ${i + 1}`, username: `agent${i + 1}` }),
    );
    const tags = new Map(agentApps.map((app, i) => [app.botUserId, `Agent #${i + 1}`]));
    const radioBot = discord.control.createApplication({ name: 'Radio', username: 'radio-bot' });
    let nextAgent = 0;
    const guilds: DemoGuild[] = GUILD_PLAN.map((plan, i) => {
      const radio = i === GUILD_PLAN.length - 1;
      const guild = discord.control.createGuild({
        name: plan.name,
        ownerId,
        textChannels: ['general'],
        voiceChannels: [...plan.people.map(([, channel]) => channel), ...(radio ? [RADIO_CHANNEL] : [])],
        members: radio ? [controllerBot.botUserId, radioBot.botUserId] : [controllerBot.botUserId],
      });
      const listeners = plan.people.map(([username, channel, query]) => {
        const { userId } = discord.control.createUser({ username });
        discord.control.addMember(guild.guildId, userId, []);
        return { userId, username, channel, query };
      });
      const agents = agentApps.slice(nextAgent, (nextAgent += plan.agents));
      return { name: plan.name, guild, agents, listeners };
    });
    summary.guilds = guilds.length;
    say(
      `▶ created the controller bot and ${guilds.length} guilds with voice channels in the Discord sandbox`,
    );

    step = 'starting the controller';
    const controllerConfig = loadControllerConfig({
      ...shared,
      HEALTH_PORT: String(await port(DEMO_DEFAULT_PORTS.controller)),
      AGENT_CONTROL_PORT: String(await port(DEMO_DEFAULT_PORTS.agentGateway)),
      AGENT_CONTROL_HOST: '127.0.0.1',
      AGENT_HEARTBEAT_INTERVAL_MS: '2000',
      DISCORD_TOKEN: controllerBot.token,
      DISCORD_CLIENT_ID: controllerBot.clientId,
      DISCORD_API_URL: discord.urls.api,
      // Idle release within the demo's minute: 1 s without music or listeners, swept every second.
      IDLE_RELEASE_SECONDS: String(IDLE_RELEASE_SECONDS),
      IDLE_SWEEP_INTERVAL_SECONDS: '1',
    });
    const controller = await startHttpApp(ControllerAppModule.forRoot(controllerConfig), {
      port: controllerConfig.HEALTH_PORT,
      host: controllerConfig.HTTP_HOST,
      configure: (app) => setupAdminApiDocs(app, { production: controllerConfig.NODE_ENV === 'production' }),
    });
    closers.push(() => controller.close());
    await until('the controller logging into Discord and registering /music', 20_000, () =>
      (discord.control.listCommands(controllerBot.applicationId) as { name: string }[]).some(
        (command) => command.name === 'music',
      ),
    );
    say('▶ controller up: logged into the Discord sandbox, /music registered');
    step = 'starting the dashboard and FunHub';
    const dashboardConfig = loadDashboardConfig({
      ...shared,
      DASHBOARD_PORT: String(await port(DEMO_DEFAULT_PORTS.dashboard)),
    });
    const dashboard = await startApp(
      DashboardAppModule.forRoot(dashboardConfig),
      dashboardConfig.DASHBOARD_PORT,
      closers,
    );
    const funhubConfig = loadFunhubConfig({
      ...shared,
      FUNHUB_PORT: String(await port(DEMO_DEFAULT_PORTS.funhub)),
    });
    const funhub = await startApp(FunhubAppModule.forRoot(funhubConfig), funhubConfig.FUNHUB_PORT, closers);

    step = 'registering the pool, agent tokens and runner credential';
    // A pool with six agent identities (tokens encrypted at rest) and a runner credential.
    const actor = { id: 'demo', operator: true };
    const pool = await controller
      .get(PoolsService)
      .create({ ownerId, name: 'Demo pool', visibility: PoolVisibility.Public }, actor);
    const registrations = controller.get(AgentRegistrationsService);
    for (const [i, app] of agentApps.entries()) {
      await registrations.register(
        {
          poolId: pool.id,
          clientId: app.clientId,
          tag: `Chopsticks Agent #${i + 1}`,
          token: app.token,
          contributedBy: ownerId,
        },
        actor,
      );
      summary.agents.registered += 1;
    }
    say(
      `▶ pool ${pool.id}: registered ${summary.agents.registered} agent tokens (AES-256-GCM encrypted in Postgres)`,
    );
    const credentials = [];
    for (const capacity of RUNNER_CAPACITIES)
      credentials.push(await controller.get(RunnersService).create({ capacity }, actor));
    say(
      `▶ issued ${credentials.length} runner credentials: ${credentials.map((c, i) => `${RUNNER_NAMES[i]} = ${c.runnerId} (capacity ${RUNNER_CAPACITIES[i]})`).join(', ')}`,
    );

    step = 'deploying agents into guilds';
    for (const entry of guilds) {
      for (const app of entry.agents) discord.control.inviteBot(entry.guild.guildId, app.applicationId, 0n);
    }
    say(
      `▶ deployed agents by the bot-invite flow: ${guilds.map((g) => `${g.agents.length} → ${g.name}`).join(', ')} (the deploy planner is issue 5)`,
    );

    step = 'starting the runners';
    const runners: DemoRunner[] = [];
    const runnerApps: NestFastifyApplication[] = [];
    for (const [i, credential] of credentials.entries()) {
      const runnerConfig = loadAgentsConfig({
        ...shared,
        AGENT_CONTROL_URL: `ws://127.0.0.1:${controller.get(AgentGateway).port}`,
        RUNNER_ID: credential.runnerId,
        RUNNER_SECRET: credential.secret,
        RUNNER_CAPACITY: String(RUNNER_CAPACITIES[i]),
        LEASE_TTL_SECONDS: '15',
        DISCORD_API_URL: discord.urls.api,
        LAVALINK_NODES: `demo=${lavalink.url}#${encodeURIComponent(lavalink.password)}`,
        TTS_URL: `${tts.url}/tts`,
        CONTROL_RECONNECT_BASE_MS: '100',
        HEALTH_PORT: String(await port(i === 0 ? DEMO_DEFAULT_PORTS.runner : DEMO_DEFAULT_PORTS.runnerB)),
      });
      const app = await startHttpApp(AgentsAppModule.forRoot(runnerConfig), {
        port: runnerConfig.HEALTH_PORT,
        host: '127.0.0.1',
      });
      let closing: Promise<void> | null = null;
      const stop = () => (closing ??= app.close());
      closers.push(stop);
      runnerApps.push(app);
      runners.push({ name: RUNNER_NAMES[i], runnerId: credential.runnerId, stop });
      // One runner at a time: each leases its share before the next one asks.
      const expected = RUNNER_CAPACITIES.slice(0, i + 1).reduce((total, capacity) => total + capacity, 0);
      await until(
        `runner ${RUNNER_NAMES[i]} leasing its agents and logging them in`,
        30_000,
        () => controller.get(AgentRegistry).readyCount >= expected,
        () => `${controller.get(AgentRegistry).readyCount} of ${expected} ready`,
      );
    }
    say(
      `▶ ${runners.length} runners started in process (TTS_URL set, so they offer /assistant): leasing the 6 identities (${RUNNER_CAPACITIES.join(' + ')}) and logging them into Discord`,
    );
    const registry = controller.get(AgentRegistry);
    const readyIn = (entry: DemoGuild) =>
      [...registry.agentIdsInGuild(entry.guild.guildId)].filter((id) => registry.get(id)?.ready).length;
    await until(
      'agents connecting to the controller and logging into Discord',
      30_000,
      () =>
        registry.readyCount >= AGENT_IDENTITIES &&
        guilds.every((entry) => readyIn(entry) >= entry.agents.length),
      () => `${registry.size} connected, ${registry.readyCount} ready`,
    );
    summary.agents.connected = registry.size;
    summary.agents.ready = registry.readyCount;
    const carried = runners.map(
      (runner) =>
        `${runner.name} carries ${guilds.map((g) => `${[...registry.agentIdsInGuild(g.guild.guildId)].filter((id) => registry.get(id)?.runnerId === runner.runnerId).length} in ${g.name}`).join(', ')}`,
    );
    say(
      `▶ runners up: ${summary.agents.connected} agents connected, ${summary.agents.ready} ready (${carried.join('; ')})`,
    );

    step = 'the /music scenario';
    const tagOf = (botUserId: string) => tags.get(botUserId) ?? `<@${botUserId}>`;
    const { agentReplies } = await runMusicScenario({
      controller,
      discord,
      controllerBot,
      guilds,
      summary,
      say,
      tagOf,
    });

    step = 'tracks in the Lavalink emulator';
    const trackEvents = (type: 'TrackStartEvent' | 'TrackEndEvent') =>
      lavalink.control.events.filter((event) => event.message.op === 'event' && event.message.type === type)
        .length;
    await until(
      'tracks ending in the Lavalink emulator',
      20_000,
      () =>
        trackEvents('TrackStartEvent') > 0 && trackEvents('TrackEndEvent') >= trackEvents('TrackStartEvent'),
      () => `${trackEvents('TrackStartEvent')} started, ${trackEvents('TrackEndEvent')} ended`,
    );
    summary.tracks = { started: trackEvents('TrackStartEvent'), ended: trackEvents('TrackEndEvent') };
    say(`▶ Lavalink emulator: ${summary.tracks.started} tracks started, ${summary.tracks.ended} ended`);

    const recovery = { controller, discord, lavalink, controllerBot, guilds, summary, say, tagOf };
    step = 'idle release';
    const idle = await runIdleRelease(recovery, {
      entry: guilds[guilds.length - 1],
      bot: radioBot,
      channel: RADIO_CHANNEL,
    });
    step = 'the /assistant scenario';
    const assistant = await runAssistantScenario(recovery);
    step = 'agent failover';
    const failover = await runFailoverScenario(recovery, runners);
    await until(
      'every track ending in the Lavalink emulator',
      20_000,
      () => trackEvents('TrackEndEvent') >= trackEvents('TrackStartEvent'),
      () => `${trackEvents('TrackStartEvent')} started, ${trackEvents('TrackEndEvent')} ended`,
    );
    summary.tracks = { started: trackEvents('TrackStartEvent'), ended: trackEvents('TrackEndEvent') };
    say(
      `▶ Lavalink emulator: ${summary.tracks.started} tracks started, ${summary.tracks.ended} ended in all (music, the TTS utterance, the resumed queue)`,
    );

    step = 'checking /metrics-app';
    const { idleReleases, channelEmptyReleases } = await scrapeMetrics(
      `http://127.0.0.1:${listeningPort(controller)}/metrics-app`,
      summary,
    );
    // When people leave, the agent's "last human left" release and the 1 s idle sweep race: either
    // reason is right for those sessions; the radio bot's session can only be swept.
    const unattended = idle.humansLeft + failover.allocated + idle.swept;
    if (channelEmptyReleases + idleReleases !== unattended || idleReleases < idle.swept)
      summary.errors.push(
        `metrics: chopsticks_session_releases_total is ${channelEmptyReleases} channel-empty + ${idleReleases} idle, expected ${unattended} with at least ${idle.swept} idle`,
      );
    if (summary.sessions.failovers < 1)
      summary.errors.push('metrics: chopsticks_session_failovers_total{outcome="ok"} did not rise');
    const allocations = agentReplies + idle.allocated + assistant.allocated + failover.allocated;
    if (summary.sessions.allocated !== allocations)
      summary.errors.push(
        `metrics: chopsticks_session_allocations_total{outcome="ok"} is ${summary.sessions.allocated}, but ${allocations} replies allocated a session`,
      );
    say(
      `▶ /metrics-app: ${summary.metrics.scraped} metric families, runbook names ${summary.metrics.missing.length === 0 ? 'all present' : `missing ${summary.metrics.missing.join(', ')}`}; allocation p50 ${summary.allocationSeconds.p50.toFixed(4)} s, p99 ${summary.allocationSeconds.p99.toFixed(4)} s (histogram_quantile over chopsticks_session_allocation_duration_seconds)`,
    );
    say(
      `▶ /metrics-app: sessions ${summary.sessions.allocated} allocated, ${summary.sessions.released} released (${channelEmptyReleases} channel-empty, ${idleReleases} idle), ${summary.sessions.failovers} failed over (chopsticks_session_failovers_total)`,
    );

    summary.errors.push(...NOT_BUILT_YET.map((step) => `${NOT_BUILT_YET_PREFIX}${step}`));
    const base = `http://127.0.0.1:${listeningPort(controller)}`;
    // Swagger UI (SPEC §7) is listed once the controller serves it.
    const swagger = await fetch(`${base}/docs`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
    const urls = {
      'controller health': `${base}/healthz`,
      'controller ready': `${base}/readyz`,
      'controller metrics': `${base}/metrics-app`,
      'API docs (Swagger)': swagger ? `${base}/docs` : 'not served yet',
      dashboard: `http://127.0.0.1:${listeningPort(dashboard)}/health`,
      FunHub: `http://127.0.0.1:${listeningPort(funhub)}/health`,
      ...Object.fromEntries(
        runners.map((runner, i) => [
          `runner ${runner.name} health`,
          i === 0
            ? 'stopped (killed for the failover)'
            : `http://127.0.0.1:${listeningPort(runnerApps[i])}/healthz`,
        ]),
      ),
      'Discord sandbox': discord.urls.control,
      'Lavalink sandbox': lavalink.url,
    };
    if (json) printJson(summary);
    else printSummary(summary, urls, say, Date.now() - startedAt);
    if (values.once) {
      await shutdown();
      process.exit(summary.errors.length === 0 ? 0 : 1);
    }
    say('\nRunning; press Ctrl-C to stop.');
    const stop = () => void shutdown().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    const failure = `${step}: ${error instanceof Error ? error.message : String(error)}`;
    summary.errors.push(failure, ...NOT_BUILT_YET.map((step) => `${NOT_BUILT_YET_PREFIX}${step}`));
    if (json) printJson(summary);
    else say(`✖ demo failed: ${failure}`);
    await shutdown();
    process.exit(1);
  }
}

/** Boots a Nest app module on 127.0.0.1:`port`; registers its close. */
async function startApp(
  module: Parameters<typeof startHttpApp>[0],
  port: number,
  closers: (() => Promise<unknown>)[],
): Promise<NestFastifyApplication> {
  const app = await startHttpApp(module, { port, host: '127.0.0.1' });
  closers.push(() => app.close());
  return app;
}

/**
 * Fills `summary.metrics`, `sessions`, `commands.rateLimited` and `allocationSeconds` from one
 * scrape of the controller's `/metrics-app` (names and labels: libs/metrics/README.md).
 * @throws Error naming the step when the scrape fails or takes over 5 s
 */
async function scrapeMetrics(
  url: string,
  summary: DemoSummary,
): Promise<{ idleReleases: number; channelEmptyReleases: number }> {
  const response = await within('scraping /metrics-app', 5_000, fetch(url));
  if (!response.ok) throw new Error(`scraping /metrics-app: HTTP ${response.status}`);
  const families = parseExposition(await response.text());
  summary.metrics.scraped = families.size;
  summary.metrics.missing = RUNBOOK_METRICS.filter((name) => !families.has(name));
  const samples = (family: string) => families.get(family)?.samples ?? [];
  const sum = (family: string, where: (labels: Record<string, string>) => boolean) =>
    samples(family)
      .filter((sample) => sample.name === family && where(sample.labels))
      .reduce((total, sample) => total + sample.value, 0);
  summary.commands.rateLimited = sum(
    'chopsticks_commands_total',
    (labels) => labels.status === 'rate-limited',
  );
  summary.sessions = {
    allocated: sum('chopsticks_session_allocations_total', (labels) => labels.outcome === 'ok'),
    released: sum('chopsticks_session_releases_total', () => true),
    failovers: sum('chopsticks_session_failovers_total', (labels) => labels.outcome === 'ok'),
  };
  const buckets = samples('chopsticks_session_allocation_duration_seconds').filter((sample) =>
    sample.name.endsWith('_bucket'),
  );
  summary.allocationSeconds = {
    p50: histogramQuantile(0.5, buckets) ?? 0,
    p99: histogramQuantile(0.99, buckets) ?? 0,
  };
  return {
    idleReleases: sum('chopsticks_session_releases_total', (labels) => labels.reason === 'idle'),
    channelEmptyReleases: sum(
      'chopsticks_session_releases_total',
      (labels) => labels.reason === 'channel-empty',
    ),
  };
}

function printSummary(
  summary: DemoSummary,
  urls: Record<string, string>,
  say: (line: string) => void,
  elapsedMs: number,
): void {
  const { agents, commands, sessions, tracks } = summary;
  say(`\nSummary (${(elapsedMs / 1000).toFixed(1)} s)`);
  say(`  agents      ${agents.registered} registered, ${agents.connected} connected, ${agents.ready} ready`);
  say(`  guilds      ${summary.guilds}`);
  say(
    `  commands    ${commands.sent} sent, ${commands.ok} ok (incl. "no free agents" refusals), ${commands.failed} failed, ${commands.rateLimited} rate-limited`,
  );
  say(
    `  sessions    ${sessions.allocated} allocated, ${sessions.released} released, ${sessions.failovers} failovers`,
  );
  say(`  tracks      ${tracks.started} started, ${tracks.ended} ended`);
  say(
    `  allocation  p50 ${summary.allocationSeconds.p50.toFixed(4)} s, p99 ${summary.allocationSeconds.p99.toFixed(4)} s`,
  );
  say(
    `  metrics     ${summary.metrics.scraped} families, missing: ${summary.metrics.missing.join(', ') || 'none'}`,
  );
  say('');
  for (const [name, url] of Object.entries(urls)) say(`  ${name.padEnd(20)} ${url}`);
  const notBuilt = summary.errors.filter((error) => error.startsWith(NOT_BUILT_YET_PREFIX));
  const failed = summary.errors.filter((error) => !error.startsWith(NOT_BUILT_YET_PREFIX));
  if (failed.length > 0) {
    say('\nFailed steps:');
    for (const error of failed) say(`  ✖ ${error}`);
  }
  say('\nNot built yet (reported as errors, so --once exits 1 until they exist):');
  for (const error of notBuilt) say(`  - ${error.slice(NOT_BUILT_YET_PREFIX.length)}`);
}

void main();
