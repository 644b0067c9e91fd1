import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installProcessGuards, listeningPort, startHttpApp } from '@app/lifecycle';
import { parseExposition } from '@app/metrics';
import { ApiKeyScope, ApiKeysService } from '@app/access';
import { createDataSource, migrateToHead, RunnersService } from '@app/pools';
import { DiscordSandbox, LavalinkSandbox, TtsSandbox } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import { AgentsAppModule, loadAgentsConfig } from '@apps/agents';
import { AgentGateway, ControllerAppModule, loadControllerConfig, setupAdminApiDocs } from '@apps/controller';
import { DashboardAppModule, loadDashboardConfig } from '@apps/dashboard';
import { configureFunhubHttp, FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { loadDemoConfig } from './demo/demo.config';
import { histogramQuantile } from './demo/histogram';
import { type DemoGuild, runMusicScenario } from './demo/music-scenario';
import { runFunScenario } from './demo/fun-scenario';
import { runRateLimitScenario } from './demo/rate-limit-scenario';
import { runAssistantScenario, runFailoverScenario, runIdleRelease } from './demo/recovery-scenario';
import { choosePort, DEMO_DEFAULT_PORTS } from './demo/ports';
import { addTokens, createPool, deployInto, selectPool } from './demo/setup-scenario';
import { type DemoStackFile, demoStackFile } from './demo/stack-file';
import { type DemoSummary, emptySummary, RUNBOOK_METRICS, until, within } from './demo/summary';

/**
 * `npm run demo`: the whole system on an embedded default. Boots the sandbox
 * (Discord, Lavalink, TTS), an embedded Postgres when DATABASE_URL is unset, the controller (idle
 * release at 1 s), one agent runner with six agent identities (`TTS_URL` set), the dashboard and
 * FunHub in this process as real servers on real ports, then plays the scenario the way people
 * would, through the Discord sandbox's control API and the real protocols: `/pools create` and
 * `/pools select`, `/agents add_token` (each token verified against the Discord sandbox), a runner
 * credential (what `npm run cli -- runners create` issues), `/agents deploy` in two guilds and the
 * admin following each invite link (the sandbox's OAuth2 authorize page), people in voice channels
 * running `/music play` concurrently, tracks starting and ending in the Lavalink emulator,
 * `/music stop`; people leaving voice and the idle sweep (scripts/demo/recovery-scenario.ts),
 * `/assistant join`, `say` and `leave`, an agent taken out of service while it plays and its
 * session failing over, a user hitting the slash-command rate limit, and a scrape of
 * `/metrics-app`.
 *
 * Backends: DATABASE_URL unset → embedded Postgres (PGlite); REDIS_URL unset → in-process stores
 * for rate limits, idempotency and dashboard sessions, and the deploy-verification queue on
 * BullMQ's Postgres backend (`DEPLOY_QUEUE_POSTGRES=true`). With both set, the real services.
 *
 * Flags: `--once` runs the scenario and exits; `--json` prints one JSON summary on stdout
 * (progress and logs go to stderr). Exit code 0 only when every step succeeded. Without `--once`
 * the stack keeps running until Ctrl-C, and `<DEMO_DATA_DIR>/stack.json` tells `npm run smoke`
 * where it is. Env: `DATABASE_URL`, `REDIS_URL`, `DEMO_DATA_DIR`, `DEMO_PORTS=default|auto`,
 * `TOKEN_ENCRYPTION_KEYS` (see demo.config.ts).
 */

const AGENT_IDENTITIES = 6;
/** Idle-release threshold of the demo's controller (seconds). */
const IDLE_RELEASE_SECONDS = 1;
/** Wall ms per track ms: a 3-minute track plays for about one second. */
const TIME_SCALE = 1 / 180;
/**
 * Slash-command limits of the demo's controller: the defaults, except that the pool owner may run
 * the eight `/agents` commands of the scenario within a minute (six add_token, deploy, set_status).
 */
const DEMO_POOLS_LIMIT = 5;
const DEMO_COMMAND_RATE_LIMITS = `agents=12/60,pools=${DEMO_POOLS_LIMIT}/60,music=20/60,assistant=20/60,default=10/60`;
/** Agents deployed per guild (`/agents deploy desired_total`): one agent may serve many guilds. */
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
  const stackFile = demoStackFile(demo.DEMO_DATA_DIR);
  const shutdown = async () => {
    rmSync(stackFile, { force: true });
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
    if (demo.DATABASE_URL) {
      // A fresh database is usable at once: the same advisory-locked migration as `npm run migrate`.
      const applied = await migrateDatabase(demo.DATABASE_URL);
      say(
        `▶ using Postgres at DATABASE_URL (${applied.length === 0 ? 'schema already at head' : `applied ${applied.length} migration(s)`})`,
      );
    } else {
      say(`▶ using a fresh embedded Postgres in ${demo.DEMO_DATA_DIR}/pglite`);
    }
    say(
      demo.REDIS_URL
        ? '▶ using Redis at REDIS_URL (rate limits, idempotency, dashboard sessions, the deploy queue)'
        : "▶ no REDIS_URL: rate limits, idempotency and dashboard sessions in process memory; the deploy-verification queue on BullMQ's Postgres backend",
    );
    // Keys of this run only: a rerun within a minute must not inherit the last run's throttles.
    const runKey = `demo-${randomBytes(4).toString('hex')}`;
    const shared = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
      HTTP_HOST: '127.0.0.1',
      TOKEN_ENCRYPTION_KEYS: demo.TOKEN_ENCRYPTION_KEYS,
      DATABASE_URL: demo.DATABASE_URL,
      REDIS_URL: demo.REDIS_URL,
      EMBEDDED_DB_DIR: `${demo.DEMO_DATA_DIR}/pglite`,
    };

    step = 'creating the Discord world';
    // The world people live in: the controller bot, two guilds with voice channels, people, and
    // six bot applications someone created in the Developer Portal (their tokens come later).
    const controllerBot = discord.control.createApplication({ name: 'Chopsticks', username: 'chopsticks' });
    const { userId: ownerId } = discord.control.createUser({ username: 'pool-owner' });
    // Game Night belongs to someone else, who uses the public pool for their server.
    const { userId: hostId } = discord.control.createUser({ username: 'game-host' });
    const agentApps = Array.from({ length: AGENT_IDENTITIES }, (_, i) =>
      discord.control.createApplication({ name: `Chopsticks Agent ${i + 1}`, username: `agent${i + 1}` }),
    );
    const tags = new Map(agentApps.map((app, i) => [app.botUserId, `Agent #${i + 1}`]));
    const radioBot = discord.control.createApplication({ name: 'Radio', username: 'radio-bot' });
    const admins = GUILD_PLAN.map((_, i) => (i === 0 ? ownerId : hostId));
    const adminNames = GUILD_PLAN.map((_, i) => (i === 0 ? 'pool-owner' : 'game-host'));
    const guilds: DemoGuild[] = GUILD_PLAN.map((plan, i) => {
      const radio = i === GUILD_PLAN.length - 1;
      const guild = discord.control.createGuild({
        name: plan.name,
        ownerId: admins[i],
        textChannels: ['general'],
        voiceChannels: [...plan.people.map(([, channel]) => channel), ...(radio ? [RADIO_CHANNEL] : [])],
        members: radio ? [controllerBot.botUserId, radioBot.botUserId] : [controllerBot.botUserId],
      });
      const listeners = plan.people.map(([username, channel, query]) => {
        const { userId } = discord.control.createUser({ username });
        discord.control.addMember(guild.guildId, userId, []);
        return { userId, username, channel, query };
      });
      return { name: plan.name, guild, agents: [], listeners };
    });
    // A person `npm run smoke` acts as for its slash-command round trip (never rate-limited here).
    const { userId: smokeUserId } = discord.control.createUser({ username: 'smoke-check' });
    discord.control.addMember(guilds[0].guild.guildId, smokeUserId, []);
    summary.guilds = guilds.length;
    say(
      `▶ created the controller bot, ${agentApps.length} agent bot applications and ${guilds.length} guilds with voice channels in the Discord sandbox`,
    );

    step = 'starting FunHub';
    // FunHub's key for the controller's /fun, generated per run (never printed).
    const funhubKey = randomBytes(24).toString('base64url');
    const funhubConfig = loadFunhubConfig({
      ...shared,
      FUNHUB_PORT: String(await port(DEMO_DEFAULT_PORTS.funhub)),
      FUNHUB_API_KEYS: funhubKey,
    });
    const funhub = await startHttpApp(FunhubAppModule.forRoot(funhubConfig), {
      port: funhubConfig.FUNHUB_PORT,
      host: '127.0.0.1',
      configure: (app) => configureFunhubHttp(app, funhubConfig),
    });
    closers.push(() => funhub.close());

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
      DISCORD_OAUTH_URL: discord.urls.oauth2,
      // Idle release within the demo's minute: 1 s without music or listeners, swept every second.
      IDLE_RELEASE_SECONDS: String(IDLE_RELEASE_SECONDS),
      IDLE_SWEEP_INTERVAL_SECONDS: '1',
      COMMAND_RATE_LIMITS: DEMO_COMMAND_RATE_LIMITS,
      RATE_LIMIT_KEY_PREFIX: `chopsticks-${runKey}`,
      BULLMQ_PREFIX: `chopsticks-${runKey}`,
      DEPLOY_QUEUE_POSTGRES: demo.REDIS_URL ? 'false' : 'true',
      DEPLOY_VERIFY_POLL_MS: '200',
      DEPLOY_VERIFY_BACKOFF_MS: '200',
      FUNHUB_URL: `http://127.0.0.1:${listeningPort(funhub)}`,
      FUNHUB_API_KEY: funhubKey,
    });
    const controller = await startHttpApp(ControllerAppModule.forRoot(controllerConfig), {
      port: controllerConfig.HEALTH_PORT,
      host: controllerConfig.HTTP_HOST,
      configure: (app) => setupAdminApiDocs(app, { production: controllerConfig.NODE_ENV === 'production' }),
    });
    closers.push(() => controller.close());
    await until('the controller logging into Discord and registering its commands', 20_000, () => {
      const names = (discord.control.listCommands(controllerBot.applicationId) as { name: string }[]).map(
        (command) => command.name,
      );
      return ['music', 'assistant', 'agents', 'pools', 'fun'].every((name) => names.includes(name));
    });
    say(
      '▶ controller up: logged into the Discord sandbox, /music, /assistant, /agents, /pools, /fun registered',
    );
    step = 'starting the dashboard';
    // The dashboard logs people in through the sandbox's Discord OAuth2 with an application of
    // its own, and reads live state through the admin API with a read+write key.
    const dashboardPort = await port(DEMO_DEFAULT_PORTS.dashboard);
    const dashboardPublicUrl = `http://127.0.0.1:${dashboardPort}`;
    const dashboardApp = discord.control.createApplication({
      name: 'Chopsticks Dashboard',
      username: 'chopsticks-dashboard',
      redirectUris: [
        `${dashboardPublicUrl}/auth/callback`,
        `http://localhost:${dashboardPort}/auth/callback`,
      ],
    });
    const dashboardKey = await controller.get(ApiKeysService).create({
      name: 'demo dashboard',
      scopes: [ApiKeyScope.Read, ApiKeyScope.Write],
      createdBy: 'demo',
    });
    // One more read+write key for Swagger UI's Authorize button. It is a credential of this run's
    // throwaway stack, printed once in the human summary and never in the --json output.
    const swaggerKey = await controller.get(ApiKeysService).create({
      name: 'demo swagger',
      scopes: [ApiKeyScope.Read, ApiKeyScope.Write],
      createdBy: 'demo',
    });
    const dashboardConfig = loadDashboardConfig({
      ...shared,
      DASHBOARD_PORT: String(dashboardPort),
      DASHBOARD_PUBLIC_URL: dashboardPublicUrl,
      DASHBOARD_SESSION_SECRET: randomBytes(32).toString('base64url'),
      DISCORD_CLIENT_ID: dashboardApp.clientId,
      DISCORD_CLIENT_SECRET: dashboardApp.clientSecret,
      DISCORD_API_URL: discord.urls.api,
      DISCORD_OAUTH_URL: discord.urls.oauth2,
      CONTROLLER_API_URL: `http://127.0.0.1:${listeningPort(controller)}`,
      DASHBOARD_API_KEY: dashboardKey.secret,
    });
    const dashboard = await startApp(DashboardAppModule.forRoot(dashboardConfig), dashboardPort, closers);

    const setup = { discord, controllerBot, summary, say, ownerId };
    const [first, second] = guilds;
    step = '/pools create and /pools select';
    const poolId = await createPool(setup, first.guild);
    if (!poolId) throw new Error('no pool to continue with');
    for (const [i, entry] of guilds.entries()) await selectPool(setup, entry.guild, admins[i], poolId);
    say(
      `▶ pool-owner ran /pools create → ${poolId} (public); ${guilds.map((g, i) => `${adminNames[i]} ran /pools select in ${g.name}`).join(', ')}`,
    );

    step = '/agents add_token';
    await addTokens(setup, first.guild, poolId, agentApps);
    say(
      `▶ pool-owner ran /agents add_token ${agentApps.length} times: ${summary.agents.registered} tokens verified against the Discord sandbox and stored AES-256-GCM encrypted`,
    );

    step = 'starting the runner';
    // A runner credential, as `npm run cli -- runners create --capacity 6` issues it.
    const credential = await controller
      .get(RunnersService)
      .create({ capacity: AGENT_IDENTITIES }, { id: 'demo-operator', operator: true });
    const runnerConfig = loadAgentsConfig({
      ...shared,
      AGENT_CONTROL_URL: `ws://127.0.0.1:${controller.get(AgentGateway).port}`,
      RUNNER_ID: credential.runnerId,
      RUNNER_SECRET: credential.secret,
      RUNNER_CAPACITY: String(AGENT_IDENTITIES),
      LEASE_TTL_SECONDS: '6',
      DISCORD_API_URL: discord.urls.api,
      LAVALINK_NODES: `demo=${lavalink.url}#${encodeURIComponent(lavalink.password)}`,
      TTS_URL: `${tts.url}/tts`,
      CONTROL_RECONNECT_BASE_MS: '100',
      HEALTH_PORT: String(await port(DEMO_DEFAULT_PORTS.runner)),
    });
    const runner = await startHttpApp(AgentsAppModule.forRoot(runnerConfig), {
      port: runnerConfig.HEALTH_PORT,
      host: '127.0.0.1',
    });
    closers.push(() => runner.close());
    const registry = controller.get(AgentRegistry);
    await until(
      'the runner leasing its agents and logging them into Discord',
      30_000,
      () => registry.readyCount >= AGENT_IDENTITIES,
      () => `${registry.size} connected, ${registry.readyCount} ready`,
    );
    summary.agents.connected = registry.size;
    summary.agents.ready = registry.readyCount;
    say(
      `▶ runner ${credential.runnerId} (capacity ${AGENT_IDENTITIES}, TTS_URL set so it offers /assistant): ${summary.agents.connected} agents connected, ${summary.agents.ready} ready`,
    );

    step = '/agents deploy';
    const byClientId = new Map(agentApps.map((app) => [app.clientId, app]));
    for (const [i, entry] of guilds.entries()) {
      const invited = await deployInto(setup, entry.guild, entry.name, admins[i], GUILD_PLAN[i].agents);
      entry.agents = invited.flatMap((clientId) => byClientId.get(clientId) ?? []);
    }
    const readyIn = (entry: DemoGuild) =>
      [...registry.agentIdsInGuild(entry.guild.guildId)].filter((id) => registry.get(id)?.ready).length;
    await until(
      'the invited agents reporting their new guilds',
      15_000,
      () => guilds.every((entry) => readyIn(entry) >= entry.agents.length),
      () => guilds.map((entry) => `${readyIn(entry)}/${entry.agents.length} in ${entry.name}`).join(', '),
    );
    say(
      `▶ each guild's admin ran /agents deploy and followed the invite links (sandbox OAuth2 authorize): ${guilds.map((g) => `${g.agents.map((a) => tags.get(a.botUserId)).join(', ')} → ${g.name}`).join('; ')}`,
    );
    const deployments = await waitForDeployVerification(
      `http://127.0.0.1:${listeningPort(controller)}/metrics-app`,
      guilds.length,
    );
    say(
      `▶ deploy verification (BullMQ on ${demo.REDIS_URL ? 'Redis' : 'Postgres'}): ${deployments} job(s) saw every invited agent join (chopsticks_agent_deployments_total{success="true"})`,
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
    const failover = await runFailoverScenario(recovery, ownerId);
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

    step = 'the slash-command rate limit';
    const curious = second.listeners[1];
    const refusal = await runRateLimitScenario(setup, second.guild, curious.userId, DEMO_POOLS_LIMIT);
    if (refusal)
      say(
        `▶ ${curious.username} ran /pools list ${DEMO_POOLS_LIMIT + 1} times in a row (limit pools=${DEMO_POOLS_LIMIT}/60): the last answer was "${refusal}"`,
      );

    step = '/fun through FunHub';
    const [fan, friend] = first.listeners;
    const compliment = await runFunScenario(setup, first.guild, fan.userId, friend);
    if (compliment)
      say(
        `▶ ${fan.username} ran /fun compliment target:@${friend.username} (the controller asked FunHub): "${compliment}"`,
      );

    step = 'checking /metrics-app';
    const answeredRateLimited = summary.commands.rateLimited;
    const { releasesByReason } = await scrapeMetrics(
      `http://127.0.0.1:${listeningPort(controller)}/metrics-app`,
      summary,
    );
    if (summary.commands.rateLimited !== answeredRateLimited)
      summary.errors.push(
        `metrics: chopsticks_commands_total{status="rate-limited"} is ${summary.commands.rateLimited}, but ${answeredRateLimited} answers said "try again in N s"`,
      );
    // When people leave, the agent's "last human left" release and the 1 s idle sweep race: either
    // reason is right for those sessions; the radio bot's session can only be swept.
    const idleReleases = releasesByReason.idle ?? 0;
    const channelEmptyReleases = releasesByReason['channel-empty'] ?? 0;
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
      `▶ /metrics-app: sessions ${summary.sessions.allocated} allocated, ${summary.sessions.released} released (${formatReasons(releasesByReason)}), ${summary.sessions.failovers} failed over (chopsticks_session_failovers_total); ${summary.commands.rateLimited} command(s) rate-limited`,
    );

    const base = `http://127.0.0.1:${listeningPort(controller)}`;
    const dashboardUrl = `http://127.0.0.1:${listeningPort(dashboard)}`;
    const funhubUrl = `http://127.0.0.1:${listeningPort(funhub)}`;
    const runnerUrl = `http://127.0.0.1:${listeningPort(runner)}`;
    const urls = {
      'dashboard (log in: you are pool-owner)': `${dashboardUrl}/`,
      'API docs (Swagger UI)': `${base}/docs`,
      'controller metrics': `${base}/metrics-app`,
      'controller process metrics': `${base}/metrics`,
      'controller health': `${base}/healthz`,
      'controller ready': `${base}/readyz`,
      'runner health': `${runnerUrl}/healthz`,
      'dashboard health': `${dashboardUrl}/health`,
      'FunHub health': `${funhubUrl}/health`,
      'FunHub API docs (Swagger UI)': `${funhubUrl}/docs`,
      'Discord sandbox': discord.urls.control,
      'Lavalink sandbox': lavalink.url,
    };
    // Whoever opens the dashboard is signed in to the sandbox Discord as pool-owner, the admin of
    // the first guild: the dashboard shows that guild (and 403s the other).
    discord.control.setOAuthUser(ownerId);
    if (json) printJson(summary);
    else
      printSummary(
        summary,
        { urls, releasesByReason, swaggerKey: swaggerKey.secret },
        say,
        Date.now() - startedAt,
      );
    if (values.once) {
      await shutdown();
      process.exit(summary.errors.length === 0 ? 0 : 1);
    }
    const state: DemoStackFile = {
      pid: process.pid,
      controller: base,
      runner: runnerUrl,
      dashboard: dashboardUrl,
      funhub: funhubUrl,
      sandbox: {
        control: discord.urls.control,
        applicationId: controllerBot.applicationId,
        guildId: first.guild.guildId,
        channelId: first.guild.textChannelIds[0],
        userId: smokeUserId,
      },
    };
    writeFileSync(stackFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    say(`\nRunning; \`npm run smoke\` checks this stack (${stackFile}). Press Ctrl-C to stop.`);
    const stop = () => void shutdown().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    const failure = `${step}: ${error instanceof Error ? error.message : String(error)}`;
    summary.errors.push(failure);
    if (json) printJson(summary);
    else say(`✖ demo failed: ${failure}`);
    await shutdown();
    process.exit(1);
  }
}

/**
 * Waits until `chopsticks_agent_deployments_total{success="true"}` on `metricsUrl` reaches
 * `jobs` (each `/agents deploy` enqueues one verification job that completes once every invited
 * agent joined).
 * @returns the counter's value
 * @throws Error when it does not get there within 15 s, naming the last value seen
 */
async function waitForDeployVerification(metricsUrl: string, jobs: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  let seen = 0;
  while (Date.now() < deadline) {
    const response = await within('scraping /metrics-app', 5_000, fetch(metricsUrl));
    const family = parseExposition(await response.text()).get('chopsticks_agent_deployments_total');
    seen = (family?.samples ?? [])
      .filter((sample) => sample.labels.success === 'true')
      .reduce((total, sample) => total + sample.value, 0);
    if (seen >= jobs) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `deploy verification: ${seen} of ${jobs} jobs succeeded within 15 s (chopsticks_agent_deployments_total)`,
  );
}

/** Boots a Nest app module on 127.0.0.1:`port`; registers its close. */
/**
 * Migrates the Postgres at `url` to head under the migrations' advisory lock (as `npm run migrate`).
 * @returns the names of the migrations applied (empty when already at head)
 */
async function migrateDatabase(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, { embedded: false, applicationName: 'chopsticks-demo' });
  await dataSource.initialize();
  try {
    return await migrateToHead(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

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
): Promise<{ releasesByReason: Record<string, number> }> {
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
  const releasesByReason: Record<string, number> = {};
  for (const sample of samples('chopsticks_session_releases_total')) {
    if (sample.name !== 'chopsticks_session_releases_total' || sample.value === 0) continue;
    const reason = sample.labels.reason ?? 'unknown';
    releasesByReason[reason] = (releasesByReason[reason] ?? 0) + sample.value;
  }
  return { releasesByReason };
}

/** What each `chopsticks_session_releases_total{reason}` means, for the summary's legend. */
const RELEASE_REASONS: Record<string, string> = {
  'channel-empty': 'the last human left the voice channel',
  idle: 'the idle sweep',
  user: '/music stop or leave, /assistant leave',
  admin: 'an admin released it (/agents release, the admin API)',
  'agent-offline': 'its agent was lost; the session failed over or ended',
  'agent-disconnected': 'a moderator disconnected the agent',
  shutdown: 'the controller shut down',
  error: 'the agent lost the session',
};

/** `{ 'channel-empty': 7, idle: 1 }` → `7 channel-empty, 1 idle` (largest first); `none` when empty. */
function formatReasons(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return entries.map(([reason, count]) => `${count} ${reason}`).join(', ') || 'none';
}

/**
 * Prints the human summary: counts, every session release by reason, the URLs and the demo's
 * Swagger key (shown here once; the --json output never carries it).
 */
function printSummary(
  summary: DemoSummary,
  extra: { urls: Record<string, string>; releasesByReason: Record<string, number>; swaggerKey: string },
  say: (line: string) => void,
  elapsedMs: number,
): void {
  const { urls, releasesByReason, swaggerKey } = extra;
  const { agents, commands, sessions, tracks } = summary;
  say(`\nSummary (${(elapsedMs / 1000).toFixed(1)} s)`);
  say(`  agents      ${agents.registered} registered, ${agents.connected} connected, ${agents.ready} ready`);
  say(`  guilds      ${summary.guilds}`);
  say(
    `  commands    ${commands.sent} sent, ${commands.ok} ok (incl. "no free agents" refusals), ${commands.failed} failed, ${commands.rateLimited} rate-limited (expected)`,
  );
  say(
    `  sessions    ${sessions.allocated} allocated, ${sessions.released} released (${formatReasons(releasesByReason)}), ${sessions.failovers} failovers`,
  );
  for (const reason of Object.keys(releasesByReason))
    say(`              ${reason}: ${RELEASE_REASONS[reason] ?? 'see libs/metrics/README.md'}`);
  say(`  tracks      ${tracks.started} started, ${tracks.ended} ended`);
  say(
    `  allocation  p50 ${summary.allocationSeconds.p50.toFixed(4)} s, p99 ${summary.allocationSeconds.p99.toFixed(4)} s`,
  );
  say(
    `  metrics     ${summary.metrics.scraped} families, missing: ${summary.metrics.missing.join(', ') || 'none'}`,
  );
  say('');
  for (const [name, url] of Object.entries(urls)) say(`  ${name.padEnd(28)} ${url}`);
  say(
    `\n  Swagger UI: press Authorize and paste this read+write API key of the demo's throwaway database:\n  ${swaggerKey}`,
  );
  if (summary.errors.length > 0) {
    say('\nFailed steps:');
    for (const error of summary.errors) say(`  ✖ ${error}`);
  }
}

void main();
