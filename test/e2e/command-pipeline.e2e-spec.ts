import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type INestApplicationContext, type LoggerService, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Client, Events } from 'discord.js';
import Redis from 'ioredis';
import { Context, SlashCommand, type SlashCommandContext } from 'necord';
import { Client as PgClient } from 'pg';
import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { ChopsticksMetrics, MetricsModule, sampleValue } from '@app/metrics';
import { DiscordSandbox, type GuildCreated } from '@app/sandbox';
import { CommandReplyError, DiscordModule, discordEnvShape, InteractionResponder } from '@apps/controller';
import { freePort } from './support/app-process';
import { createStack, type Stack, until } from './support/stack';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
}

/** Polls an async check every 100 ms. @throws Error naming `what` after `timeoutMs` */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function metric(
  metrics: ChopsticksMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  return sampleValue(await metrics.appText(), name, labels) ?? 0;
}

describe('Interaction pipeline of the controller (sandbox, Postgres, Redis)', () => {
  const prefix = `test:pipeline:${randomUUID()}`;
  let stack: Stack;
  let metrics: ChopsticksMetrics;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    await stack.startController({
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: prefix,
      BULLMQ_PREFIX: `${prefix}:bull`,
    });
    metrics = stack.get(ChopsticksMetrics);
  });

  afterAll(async () => {
    await stack?.close();
    await deleteKeys(REDIS_URL, `${prefix}:*`);
  });

  it('C1: the 6th /agents within 60 s tells the user to retry in the real remaining seconds; the hit is counted', async () => {
    const guild = stack.createGuild({ agents: 'none' });
    const alice = stack.createUser('alice', [guild]);
    const hits = await metric(metrics, 'chopsticks_rate_limit_hits_total', { type: 'command' });
    for (let i = 0; i < 5; i += 1) {
      const answer = await stack.slash(alice, guild, 'agents', { subcommand: 'sessions' });
      expect(answer.original?.content ?? '').not.toMatch(/try again in/);
    }

    const sixth = await stack.slash(alice, guild, 'agents', { subcommand: 'sessions' });
    const redis = new Redis(REDIS_URL);
    const pttl = await redis.pttl(`${prefix}:throttle:agents:${alice}`).finally(() => redis.quit());

    const seconds = Number(/try again in (\d+) s/.exec(sixth.original?.content ?? '')?.[1]);
    expect(sixth).toMatchObject({ acknowledged: 'reply', ephemeral: true });
    expect(pttl).toBeGreaterThan(0);
    expect([Math.ceil(pttl / 1000), Math.ceil(pttl / 1000) + 1]).toContain(seconds);
    expect(await metric(metrics, 'chopsticks_rate_limit_hits_total', { type: 'command' })).toBe(hits + 1);
    expect(
      await metric(metrics, 'chopsticks_commands_total', { command: 'agents', status: 'rate-limited' }),
    ).toBeGreaterThanOrEqual(1);
    // Another user keeps their own budget.
    const bob = stack.createUser('bob', [guild]);
    const other = await stack.slash(bob, guild, 'agents', { subcommand: 'sessions' });
    expect(other.original?.content ?? '').not.toMatch(/try again in/);
  });

  it('C2: the same /pools create delivered twice has one effect and the second is answered as a duplicate', async () => {
    const guild = stack.createGuild({ agents: 'none' });
    const carol = stack.createUser('carol', [guild]);
    const client = stack.get(Client);
    const dispatches: unknown[] = [];
    const capture = (packet: { t?: string }) => {
      if (packet.t === 'INTERACTION_CREATE') dispatches.push(packet);
    };
    client.on(Events.Raw as never, capture);
    const create = { subcommand: 'create', options: { name: 'Carol pool' } };

    const first = await stack.slash(carol, guild, 'pools', create);
    client.off(Events.Raw as never, capture);
    const duplicatesBefore = await metric(metrics, 'chopsticks_commands_total', {
      command: 'pools',
      status: 'duplicate',
    });
    // The gateway delivers the very same INTERACTION_CREATE dispatch again (same interaction id).
    const ws = (client.ws as unknown as { _ws: { emit(event: string, payload: unknown): void } })._ws;
    expect(dispatches).toHaveLength(1);
    ws.emit('dispatch', { data: dispatches[0], shardId: 0 });
    // And the user sends the identical command again (a new interaction, same options).
    const second = await stack.slash(carol, guild, 'pools', create);

    expect(first.edits.at(-1)?.embeds.length ?? 0).toBeGreaterThan(0);
    expect(second.original?.content).toMatch(/already handled/);
    expect(second.ephemeral).toBe(true);
    await eventually(
      async () =>
        (await metric(metrics, 'chopsticks_commands_total', { command: 'pools', status: 'duplicate' })) ===
        duplicatesBefore + 2,
      'both repeats counted as duplicates',
    );
    const owned = await stack.ctx.dataSource.query<{ count: string }[]>(
      'SELECT count(*)::text AS count FROM agent_pools WHERE owner_id = $1',
      [carol],
    );
    expect(owned[0].count).toBe('1');
  });

  it('C2: the same /agents idle_policy in two guilds changes both, and a change back within the window applies (QA6 D-idem-1, D-idem-2)', async () => {
    const admin = stack.discord.control.createUser({ username: 'idleadmin' }).userId;
    const guildOf = (name: string) =>
      stack.discord.control.createGuild({
        name,
        ownerId: admin,
        textChannels: ['general'],
        members: [stack.controllerBot.botUserId],
      });
    const [a, b] = [guildOf('Idle A'), guildOf('Idle B')];
    const idle = (guild: GuildCreated, minutes: number) =>
      stack.slash(admin, guild, 'agents', { subcommand: 'idle_policy', options: { minutes } });
    const stored = async (guild: GuildCreated) =>
      (await stack.ctx.guilds.get(guild.guildId)).idleReleaseSeconds;

    await idle(a, 7);
    const inB = await idle(b, 7);
    expect(inB.original?.content ?? '').not.toMatch(/already handled/);
    expect(await stored(b)).toBe(420);

    // 7 → 10 → 7 in guild A within the window (five /agents in all: under the 5/60 limit).
    await idle(a, 10);
    const back = await idle(a, 7);
    expect(back.original?.content ?? '').not.toMatch(/already handled/);
    expect(await stored(a)).toBe(420);
    // The very same request again is still a duplicate.
    const again = await idle(a, 7);
    expect(again.original?.content).toMatch(/already handled/);
  });

  it('C4: /pools create whose database work takes 5 s is deferred in time and finished by an edit', async () => {
    const guild = stack.createGuild({ agents: 'none' });
    const dave = stack.createUser('dave', [guild]);
    const blocker = new PgClient({ connectionString: stack.ctx.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE agent_pools IN ACCESS EXCLUSIVE MODE');
      const pending = stack.slash(dave, guild, 'pools', {
        subcommand: 'create',
        options: { name: 'Slow pool' },
      });
      await sleep(5000);
      await blocker.query('COMMIT');
      const result = await pending;

      expect(result.error).toBeUndefined();
      expect(result.acknowledged).toBe('deferred');
      // The premise: the work outlived Discord's 3 s deadline.
      expect(result.timings.completedMs).toBeGreaterThan(3000);
      expect(result.edits.length).toBeGreaterThan(0);
      expect(JSON.stringify(result.edits.at(-1)?.embeds)).toContain('Slow pool');
    } finally {
      await blocker.end();
    }
  });
});

/** Collects log lines of a Nest app. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }
}

/**
 * Test commands answered through the product's {@link InteractionResponder}: handlers that take
 * 4 s without deferring themselves, and a quick one. A fresh class per app: necord binds a
 * command's decorator metadata to the first app that discovers it.
 */
function fixtureCommands() {
  @Injectable()
  class PipelineFixtureCommands {
    constructor(private readonly responder: InteractionResponder) {}

    @SlashCommand({ name: 'slow', description: 'Answers after 4 s' })
    async slow(@Context() [interaction]: SlashCommandContext): Promise<void> {
      await this.responder.run(interaction, 'fun', async () => {
        await sleep(4000);
        return { content: 'Done after 4 s.' };
      });
    }

    @SlashCommand({ name: 'slowfail', description: 'Fails after 4 s' })
    async slowFail(@Context() [interaction]: SlashCommandContext): Promise<void> {
      await this.responder.run(interaction, 'fun', async () => {
        await sleep(4000);
        throw new CommandReplyError('The slow thing failed, sorry.');
      });
    }

    @SlashCommand({ name: 'slowsecret', description: 'Answers privately after 4 s' })
    async slowSecret(@Context() [interaction]: SlashCommandContext): Promise<void> {
      await this.responder.run(interaction, 'fun', async () => {
        await sleep(4000);
        return { content: 'Only you can read this.', ephemeral: true };
      });
    }

    @SlashCommand({ name: 'ping', description: 'Answers at once' })
    async ping(@Context() [interaction]: SlashCommandContext): Promise<void> {
      await this.responder.run(interaction, 'fun', () => Promise.resolve({ content: 'pong' }));
    }
  }
  return PipelineFixtureCommands;
}

const fixtureEnvSchema = z.object({ ...discordEnvShape, REDIS_URL: env.optionalUrl(['redis:']) });

/** Boots DiscordModule (necord + limiter + responder) with the fixture commands against the sandbox. */
async function startFixture(
  sandbox: DiscordSandbox,
  token: string,
  extra: Record<string, string>,
): Promise<{ app: INestApplicationContext; logger: RecordingLogger }> {
  const config = parseEnv(fixtureEnvSchema, {
    DISCORD_TOKEN: token,
    DISCORD_API_URL: sandbox.urls.api,
    ...extra,
  });
  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      DiscordModule,
    ],
    providers: [fixtureCommands()],
  })
  class FixtureModule {}
  const logger = new RecordingLogger();
  const app = await NestFactory.createApplicationContext(FixtureModule, { logger, abortOnError: false });
  app.enableShutdownHooks();
  const client = app.get(Client);
  await until(() => client.isReady(), 'the fixture bot to log in');
  return { app, logger };
}

/** A Redis server of our own on a free port, killable mid-test. */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('InteractionResponder with slow handlers and a Redis outage (sandbox)', () => {
  let sandbox: DiscordSandbox;
  let userId: string;
  let channelId: string;

  beforeAll(async () => {
    sandbox = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
    userId = sandbox.control.createUser({ username: 'erin' }).userId;
  });

  afterAll(() => sandbox.stop());

  function guildFor(botUserId: string): string {
    const guild = sandbox.control.createGuild({ name: 'Fixture', ownerId: userId, members: [botUserId] });
    channelId = guild.textChannelIds[0];
    return guild.guildId;
  }

  function invoke(applicationId: string, name: string) {
    return sandbox.control.invokeSlashCommand({
      applicationId,
      userId,
      channelId,
      name,
      waitFor: 'response',
    });
  }

  it('B15: a handler that takes 4 s without deferring is deferred by the watchdog; its answer arrives as an edit, its error and a private answer as ephemeral follow-ups', async () => {
    const bot = sandbox.control.createApplication({ name: 'Fixture B15', username: 'fixtureb15' });
    guildFor(bot.botUserId);
    const { app } = await startFixture(sandbox, bot.token, {});
    try {
      await until(
        () => (sandbox.control.listCommands(bot.applicationId) as { name: string }[]).length === 4,
        'the fixture commands to register',
      );
      const privately = (name: string) =>
        sandbox.control.invokeSlashCommand({
          applicationId: bot.applicationId,
          userId,
          channelId,
          name,
          waitFor: { followUps: 1, timeoutMs: 10_000 },
        });
      const [done, failed] = await Promise.all([invoke(bot.applicationId, 'slow'), privately('slowfail')]);

      for (const result of [done, failed]) {
        expect(result.error).toBeUndefined();
        expect(result.acknowledged).toBe('deferred');
        expect(result.timings.completedMs).toBeGreaterThan(3000);
      }
      expect(done.edits.at(-1)?.content).toBe('Done after 4 s.');
      // An error is personal: an ephemeral follow-up; the public placeholder is deleted (QA6).
      expect(failed.followUps).toEqual([
        expect.objectContaining({ content: 'The slow thing failed, sorry.', ephemeral: true }),
      ]);
      expect(failed.edits.map((edit) => edit.content)).not.toContain('The slow thing failed, sorry.');
      const publicMessages = () =>
        sandbox.control
          .listMessages(channelId)
          .filter((message) => ((message.flags as number | undefined) ?? 0) === 0)
          .map((message) => message.content);
      await eventually(
        () => Promise.resolve(!publicMessages().includes('The answer is private; it was sent only to you.')),
        'the public placeholder to be deleted',
      );
      expect(publicMessages()).not.toContain('The slow thing failed, sorry.');

      // A private answer after the watchdog's public defer: an ephemeral follow-up, and the
      // public placeholder is deleted (nothing personal lands in the channel).
      const secret = await privately('slowsecret');
      expect(secret.error).toBeUndefined();
      expect(secret.followUps).toEqual([
        expect.objectContaining({ content: 'Only you can read this.', ephemeral: true }),
      ]);
      expect(secret.messages.filter((message) => message.content === 'Only you can read this.')).toHaveLength(
        1,
      );
    } finally {
      await app.close();
    }
  });

  it.each(['closed', 'open'] as const)(
    'B21: with Redis killed mid-run the throttle runs fail-%s, logs once, counts each call, and recovers when Redis returns',
    async (mode) => {
      const redis = new OwnRedis(await freePort());
      await redis.start();
      const bot = sandbox.control.createApplication({
        name: `Fixture B21 ${mode}`,
        username: `fixture${mode}`,
      });
      guildFor(bot.botUserId);
      const { app, logger } = await startFixture(sandbox, bot.token, {
        REDIS_URL: redis.url,
        RATE_LIMIT_REDIS_DOWN_MODE: mode,
        COMMAND_RATE_LIMITS: 'fun=100/60',
      });
      const fixtureMetrics = app.get(ChopsticksMetrics);
      const errors = () =>
        metric(fixtureMetrics, 'chopsticks_rate_limiter_backend_errors_total', { mode: `fail-${mode}` });
      try {
        await until(
          () => (sandbox.control.listCommands(bot.applicationId) as { name: string }[]).length === 4,
          'the fixture commands to register',
        );
        expect((await invoke(bot.applicationId, 'ping')).original?.content).toBe('pong');
        const before = await errors();

        await redis.stop();
        const during = [];
        for (let i = 0; i < 3; i += 1) during.push(await invoke(bot.applicationId, 'ping'));

        for (const result of during) {
          expect(result.error).toBeUndefined();
          expect(result.original?.content).toMatch(
            mode === 'open' ? /^pong$/ : /rate limiter cannot reach its store/,
          );
        }
        expect(await errors()).toBe(before + 3);
        expect(logger.count(/Redis for the command throttle is unavailable/)).toBe(1);

        await redis.start();
        // No restart: ioredis reconnects, and the next commands use Redis again.
        await eventually(async () => {
          const result = await invoke(bot.applicationId, 'ping');
          return result.original?.content === 'pong' && logger.count(/is back;/) === 1;
        }, 'the throttle to use Redis again');
        const probe = new Redis(redis.url);
        try {
          expect(await probe.exists(`chopsticks:throttle:fun:${userId}`)).toBe(1);
        } finally {
          await probe.quit();
        }
        expect(logger.count(/Redis for the command throttle is unavailable/)).toBe(1);
      } finally {
        await app.close();
        await redis.stop();
      }
    },
  );
});
