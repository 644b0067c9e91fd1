import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'discord.js';
import { NecordBaseDiscovery } from 'necord';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import {
  type ApplicationCreated,
  DiscordSandbox,
  type GuildCreated,
  type InteractionResult,
  LavalinkSandbox,
} from '@app/sandbox';
import { PoolVisibility } from '@app/pools';
import { AgentRegistry } from '@app/sessions';
import { type ControllerConfig, ControllerAppModule, loadControllerConfig } from '@apps/controller';
import { AgentGateway, setupAdminApiDocs } from '@apps/controller';
import { operator, snowflake } from '../../utils/factories';
import { createPoolsTestContext, type PoolsTestContext } from '../../utils/pools-context';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from './app-process';

/**
 * The first vertical slice as real processes for e2e tests: Postgres (a fresh database cloned from
 * the migrated template, via `createPoolsTestContext`), the Discord and Lavalink sandboxes, the
 * controller **in process** (`ControllerAppModule.forRoot`, HTTP and agent gateway on free ports)
 * and one agent runner as a **child process** (`apps/agents/src/main.ts`).
 *
 * ```ts
 * const stack = await createStack({ agentCount: 3 });          // sandboxes, DB, pool, 3 agent bots
 * const guild = stack.createGuild({ voiceChannels: ['Music 1'], agents: 'all' });
 * const alice = stack.createUser('alice', [guild]);
 * await stack.startController();                                // logs the controller bot in
 * await stack.startRunner();                                    // leases + logs the agents in
 * await stack.waitForAgents(guild.guildId, 3);
 * stack.discord.control.moveVoice(guild.guildId, alice, guild.channels['Music 1']);
 * const result = await stack.slash(alice, guild, 'music', { subcommand: 'play', options: { query: 'x' } });
 * await stack.close();
 * ```
 * Every piece is closed by `close()`, also after a failed start. Nothing listens on a fixed port.
 */
export interface Stack {
  ctx: PoolsTestContext;
  discord: DiscordSandbox;
  lavalink: LavalinkSandbox;
  /**
   * The pool the agent identities are registered in. Public, so every guild may use its agents
   * without selecting it (allocation only draws from public pools and the guild's selected pool).
   */
  poolId: string;
  /** The controller bot's application in the Discord sandbox. */
  controllerBot: ApplicationCreated;
  /** Agent identities (bot applications), registered with encrypted tokens in `poolId`. */
  agents: ApplicationCreated[];
  /** `agent<clientId>` of each agent, in `agents` order. */
  agentIds: string[];
  /** The runner credential the runner process uses. */
  runnerCredential: { runnerId: string; secret: string };
  /** The controller app once started (`startController`). */
  controller: NestFastifyApplication | null;
  /** The controller's validated configuration once started. */
  controllerConfig: ControllerConfig | null;
  /** The runner process once started (`startRunner`). */
  runner: (AppProcess & { healthPort: number }) | null;

  /**
   * Creates a guild owned by a fresh user with the controller bot as a member, plus the agents
   * named by `agents` (`'all'`, `'none'` or a list of indexes into `agents`).
   */
  createGuild(input?: {
    name?: string;
    textChannels?: string[];
    voiceChannels?: string[];
    agents?: 'all' | 'none' | number[];
  }): GuildCreated;
  /** Creates a human user who is a member of the given guilds; returns the user id. */
  createUser(username: string, guilds: GuildCreated[]): string;
  /** Boots the controller in process; `env` overrides its environment. Waits for Discord ready. */
  startController(env?: Record<string, string>): Promise<NestFastifyApplication>;
  /** Spawns the runner process against the controller's gateway; waits for its /healthz. */
  startRunner(env?: Record<string, string>): Promise<AppProcess>;
  /**
   * Spawns one more runner process with a credential of its own (another runner id) and
   * `capacity` agents at most (default 1): leases decide which agents it carries. Closed by
   * `close()` like the first runner.
   */
  startExtraRunner(input?: { capacity?: number; env?: Record<string, string> }): Promise<ExtraRunner>;
  /**
   * Closes the controller app and starts a new one on the same agent gateway port and database
   * (runners reconnect with their backoff); waits until its Discord client is ready again.
   */
  restartController(env?: Record<string, string>): Promise<NestFastifyApplication>;
  /**
   * Moves a user into a voice channel (null = out of voice) and waits until the controller's
   * voice state cache shows it (the controller reads it to find the invoking user's channel).
   */
  moveVoice(userId: string, guild: GuildCreated, channelId: string | null): Promise<void>;
  /** Waits until `count` live, ready agents are members of the guild in the controller's registry. */
  waitForAgents(guildId: string, count: number, timeoutMs?: number): Promise<void>;
  /**
   * Invokes `/name` as `userId` in the guild's first text channel and waits for the final
   * response (a deferred reply's first edit, or the reply).
   */
  slash(
    userId: string,
    guild: GuildCreated,
    name: string,
    input?: { subcommand?: string; options?: Record<string, string | number | boolean> },
  ): Promise<InteractionResult>;
  /** The controller's provider (e.g. `AgentRegistry`, `AgentGatewayEvents`). */
  get<T>(token: abstract new (...args: never[]) => T): T;
  /** Stops the runner, the controller, the sandboxes, and drops the database. */
  close(): Promise<void>;
}

/** A runner started by {@link Stack.startExtraRunner}. */
export type ExtraRunner = AppProcess & { healthPort: number; runnerId: string };

/** Options of {@link createStack}. */
export interface StackOptions {
  /** Agent identities to create and register (default 3). */
  agentCount?: number;
  /** Wall ms per track ms in the Lavalink emulator (default 0.03: a 3-minute track lasts 5.4 s). */
  timeScale?: number;
}

/** Polls `check` until it returns true. @throws Error naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Runs `start` (booting a second controller app in this process) with necord's handler binding
 * set to "last app wins". necord keeps each slash command's and listener's discovery object in
 * decorator metadata — shared by every app in the process — and binds it to the first app's
 * instance only (`setContextCallback` / `setDiscoveryMeta` use `??=`), so without this a
 * restarted in-process controller would answer interactions with the closed app's providers.
 */
async function withNecordRebinding<T>(start: () => Promise<T>): Promise<T> {
  type Rebindable = { contextCallback: unknown; discovery: unknown };
  const prototype = NecordBaseDiscovery.prototype as unknown as {
    setContextCallback(fn: unknown): void;
    setDiscoveryMeta(meta: unknown): void;
  };
  const { setContextCallback, setDiscoveryMeta } = prototype;
  prototype.setContextCallback = function (this: Rebindable, fn: unknown) {
    this.contextCallback = fn;
  };
  prototype.setDiscoveryMeta = function (this: Rebindable, meta: unknown) {
    this.discovery = meta;
  };
  try {
    return await start();
  } finally {
    prototype.setContextCallback = setContextCallback;
    prototype.setDiscoveryMeta = setDiscoveryMeta;
  }
}

/** Builds the world (database, sandboxes, pool, registered agents, runner credential). */
export async function createStack(options: StackOptions = {}): Promise<Stack> {
  const agentCount = options.agentCount ?? 3;
  const ctx = await createPoolsTestContext();
  const closers: (() => Promise<unknown>)[] = [() => ctx.close()];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch(() => undefined);
    }
  };
  let controllerCloser: (() => Promise<unknown>) | null = null;
  try {
    const discord = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
    closers.push(() => discord.stop());
    const lavalink = await LavalinkSandbox.start({
      timeScale: options.timeScale ?? 0.03,
      playerUpdateIntervalMs: 100,
      statsIntervalMs: 500,
    });
    closers.push(() => lavalink.stop());

    const controllerBot = discord.control.createApplication({ name: 'Chopsticks', username: 'chopsticks' });
    const pool = await ctx.pools.create(
      { ownerId: snowflake(), name: 'Music pool', visibility: PoolVisibility.Public },
      operator,
    );
    const agents = Array.from({ length: agentCount }, (_, i) =>
      discord.control.createApplication({ name: `Agent ${i + 1}`, username: `agent${i + 1}` }),
    );
    for (const [i, agent] of agents.entries()) {
      await ctx.agents.register(
        { poolId: pool.id, clientId: agent.clientId, tag: `agent${i + 1}`, token: agent.token },
        operator,
      );
    }
    const runnerCredential = await ctx.runners.create({ capacity: Math.max(10, agentCount) }, operator);

    /** Spawns a runner process with `credential`; closed (SIGTERM, then SIGKILL) by `close()`. */
    const spawnRunner = async (
      credential: { runnerId: string; secret: string },
      capacity: number,
      env: Record<string, string>,
    ): Promise<AppProcess & { healthPort: number }> => {
      if (!stack.controller) throw new Error('startController() first: the runner needs its gateway');
      const healthPort = await freePort();
      const gatewayPort = stack.controller.get(AgentGateway).port;
      const child = spawnApp('agents', {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: ctx.db.url,
        TOKEN_ENCRYPTION_KEYS: ctx.keys,
        DATABASE_POOL_SIZE: '3',
        AGENT_CONTROL_URL: `ws://127.0.0.1:${gatewayPort}`,
        RUNNER_ID: credential.runnerId,
        RUNNER_SECRET: credential.secret,
        RUNNER_CAPACITY: String(capacity),
        LEASE_TTL_SECONDS: '5',
        DISCORD_API_URL: discord.urls.api,
        LAVALINK_NODES: `main=${lavalink.url}#youshallnotpass`,
        CONTROL_RECONNECT_BASE_MS: '50',
        HEALTH_PORT: String(healthPort),
        HTTP_HOST: '127.0.0.1',
        ...env,
      });
      // Runs before the controller closes (closers run in reverse): SIGTERM drains, then exit.
      closers.push(async () => {
        if (child.child.exitCode !== null || child.child.signalCode !== null) return;
        child.child.kill('SIGTERM');
        const timer = setTimeout(() => child.child.kill('SIGKILL'), 8_000);
        await child.exited;
        clearTimeout(timer);
      });
      try {
        await waitForHttp200(`http://127.0.0.1:${healthPort}/healthz`, 60_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${child.output()}`);
      }
      return Object.assign(child, { healthPort });
    };

    const stack: Stack = {
      ctx,
      discord,
      lavalink,
      poolId: pool.id,
      controllerBot,
      agents,
      agentIds: agents.map((agent) => `agent${agent.clientId}`),
      runnerCredential,
      controller: null,
      controllerConfig: null,
      runner: null,

      createGuild(input = {}) {
        const { userId: ownerId } = discord.control.createUser({ username: 'owner' });
        const chosen =
          input.agents === 'none'
            ? []
            : input.agents === undefined || input.agents === 'all'
              ? agents
              : input.agents.map((i) => agents[i]);
        return discord.control.createGuild({
          name: input.name ?? 'Music Guild',
          ownerId,
          textChannels: input.textChannels ?? ['general'],
          voiceChannels: input.voiceChannels ?? ['Music 1'],
          members: [controllerBot.botUserId, ...chosen.map((agent) => agent.botUserId)],
        });
      },

      createUser(username, guilds) {
        const { userId } = discord.control.createUser({ username });
        for (const guild of guilds) discord.control.addMember(guild.guildId, userId, []);
        return userId;
      },

      async startController(env = {}) {
        const config = loadControllerConfig({
          NODE_ENV: 'test',
          LOG_LEVEL: 'error',
          DATABASE_URL: ctx.db.url,
          DATABASE_POOL_SIZE: '3',
          TOKEN_ENCRYPTION_KEYS: ctx.keys,
          HEALTH_PORT: '0',
          HTTP_HOST: '127.0.0.1',
          AGENT_CONTROL_PORT: '0',
          AGENT_CONTROL_HOST: '127.0.0.1',
          AGENT_HEARTBEAT_INTERVAL_MS: '1000',
          DISCORD_TOKEN: controllerBot.token,
          DISCORD_CLIENT_ID: controllerBot.clientId,
          DISCORD_API_URL: discord.urls.api,
          ...env,
        });
        const app = await startHttpApp(ControllerAppModule.forRoot(config), {
          port: config.HEALTH_PORT,
          host: config.HTTP_HOST,
          trustProxy: config.TRUST_PROXY,
          configure: (created) =>
            setupAdminApiDocs(created, { production: config.NODE_ENV === 'production' }),
        });
        controllerCloser = () => app.close();
        closers.push(controllerCloser);
        stack.controller = app;
        stack.controllerConfig = config;
        await until(
          () =>
            (discord.control.listCommands(controllerBot.applicationId) as { name: string }[]).some(
              (command) => command.name === 'music',
            ),
          'the controller to register /music',
        );
        return app;
      },

      async startRunner(env = {}) {
        const child = await spawnRunner(runnerCredential, Math.max(10, agentCount), env);
        stack.runner = child;
        return child;
      },

      async startExtraRunner(input = {}) {
        const capacity = input.capacity ?? 1;
        const credential = await ctx.runners.create({ capacity }, operator);
        const child = await spawnRunner(credential, capacity, input.env ?? {});
        return Object.assign(child, { runnerId: credential.runnerId });
      },

      async restartController(env = {}) {
        if (!stack.controller || !controllerCloser) throw new Error('the controller is not started');
        const port = stack.controller.get(AgentGateway).port;
        const slot = closers.indexOf(controllerCloser);
        const close = controllerCloser;
        if (slot >= 0) closers.splice(slot, 1);
        controllerCloser = null;
        stack.controller = null;
        await close();
        const app = await withNecordRebinding(() =>
          stack.startController({ ...env, AGENT_CONTROL_PORT: String(port) }),
        );
        // Keep the closing order (runners before the controller that they talk to).
        if (slot >= 0 && controllerCloser) closers.splice(closers.indexOf(controllerCloser), 1);
        if (slot >= 0 && controllerCloser) closers.splice(slot, 0, controllerCloser);
        const client = app.get(Client);
        await until(() => client.isReady(), 'the restarted controller to log in to Discord');
        return app;
      },

      async moveVoice(userId, guild, channelId) {
        discord.control.moveVoice(guild.guildId, userId, channelId);
        const client = stack.get(Client);
        await until(
          () =>
            (client.guilds.cache.get(guild.guildId)?.voiceStates.cache.get(userId)?.channelId ?? null) ===
            channelId,
          `the controller to see user ${userId} in voice channel ${channelId}`,
        );
      },

      async waitForAgents(guildId, count, timeoutMs = 30_000) {
        const registry = stack.get(AgentRegistry);
        await until(
          () =>
            [...registry.agentIdsInGuild(guildId)].filter((id) => registry.get(id)?.ready).length >= count,
          `${count} ready agents in guild ${guildId}${stack.runner ? `\n${stack.runner.output()}` : ''}`,
          timeoutMs,
        );
      },

      slash(userId, guild, name, input = {}) {
        return discord.control.invokeSlashCommand({
          applicationId: controllerBot.applicationId,
          userId,
          channelId: guild.textChannelIds[0],
          name,
          ...(input.subcommand ? { subcommand: input.subcommand } : {}),
          options: input.options ?? {},
          waitFor: 'response',
        });
      },

      get(token) {
        if (!stack.controller) throw new Error('the controller is not started');
        return stack.controller.get(token);
      },

      close: closeAll,
    };
    return stack;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The controller's HTTP base URL (`http://127.0.0.1:<port>`). */
export function controllerUrl(stack: Stack): string {
  if (!stack.controller) throw new Error('the controller is not started');
  return `http://127.0.0.1:${listeningPort(stack.controller)}`;
}
