import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetricsModule, assertBoundedLabels, sampleValue } from '@app/metrics';
import { AgentStatus, PoolsModule } from '@app/pools';
import {
  type CurrentTrack,
  ProtocolErrorCode,
  type QueueSnapshot,
  type RpcResponseFrame,
} from '@app/protocol';
import { type ApplicationCreated, DiscordSandbox, type GuildCreated, LavalinkSandbox } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import * as gatewayFeature from '@apps/controller';
import { ControllerPeer } from '../support/controller-peer';
import { createPoolsTestContext, type PoolsTestContext } from '../utils/pools-context';
import { operator, snowflake } from '../utils/factories';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from './support/app-process';

/**
 * The agent runner (`apps/agents`) as a real process against Postgres, the Discord and Lavalink
 * sandboxes and a protocol-speaking controller peer.
 */
jest.setTimeout(90_000);

/** Polls `check` until it stops throwing. */
async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function okResult<T = Record<string, unknown>>(response: RpcResponseFrame): T {
  if (!response.ok) throw new Error(`rpc failed: ${response.error.code} ${response.error.message}`);
  return response.result as T;
}

/** Postgres, the Discord and Lavalink sandboxes, a protocol peer and registered bots. */
interface World {
  ctx: PoolsTestContext;
  discord: DiscordSandbox;
  lavalink: LavalinkSandbox;
  peer: ControllerPeer;
  poolId: string;
  humanId: string;
  guild: GuildCreated;
  bots: ApplicationCreated[];
  runner: { runnerId: string; secret: string };
  processes: AppProcess[];
}

async function createWorld(botCount: number, runnerCapacity = 10): Promise<World> {
  const ctx = await createPoolsTestContext();
  const discord = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
  // 0.05 wall ms per track ms: a 3.5-minute catalogue track plays for about 10 s.
  const lavalink = await LavalinkSandbox.start({
    timeScale: 0.05,
    playerUpdateIntervalMs: 100,
    statsIntervalMs: 500,
  });
  const peer = await ControllerPeer.start();
  const ownerId = snowflake();
  const pool = await ctx.pools.create({ ownerId, name: 'Runner pool' }, operator);
  const bots = Array.from({ length: botCount }, (_, i) =>
    discord.control.createApplication({ name: `Agent ${i + 1}`, username: `agent${i + 1}` }),
  );
  const { userId: humanId } = discord.control.createUser({ username: 'listener' });
  const guild = discord.control.createGuild({
    name: 'Music Guild',
    ownerId: humanId,
    textChannels: ['general'],
    voiceChannels: ['Lounge', 'Stage'],
    members: bots.map((bot) => bot.botUserId),
  });
  for (const bot of bots) {
    await ctx.agents.register(
      { poolId: pool.id, clientId: bot.clientId, tag: 'Agent', token: bot.token },
      operator,
    );
  }
  const runner = await ctx.runners.create({ capacity: runnerCapacity }, operator);
  return { ctx, discord, lavalink, peer, poolId: pool.id, humanId, guild, bots, runner, processes: [] };
}

async function destroyWorld(world: World): Promise<void> {
  for (const sut of world.processes) {
    if (sut.child.exitCode === null && sut.child.signalCode === null) {
      sut.child.kill('SIGKILL');
      await sut.exited;
    }
  }
  await world.peer.stop();
  await world.lavalink.stop();
  await world.discord.stop();
  await world.ctx.close();
}

/** A runner process and its HTTP port. */
type RunnerProcess = AppProcess & { port: number };

/** Starts the runner process and waits for its /healthz. */
async function startRunner(
  world: World,
  overrides: Record<string, string> = {},
  peer: ControllerPeer = world.peer,
): Promise<RunnerProcess> {
  const port = await freePort();
  const sut = spawnApp('agents', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: world.ctx.db.url,
    TOKEN_ENCRYPTION_KEYS: world.ctx.keys,
    DATABASE_POOL_SIZE: '3',
    AGENT_CONTROL_URL: peer.url,
    RUNNER_ID: world.runner.runnerId,
    RUNNER_SECRET: world.runner.secret,
    RUNNER_CAPACITY: '10',
    LEASE_TTL_SECONDS: '5',
    DISCORD_API_URL: world.discord.urls.api,
    LAVALINK_NODES: `main=${world.lavalink.url}#youshallnotpass`,
    CONTROL_RECONNECT_BASE_MS: '50',
    HEALTH_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    ...overrides,
  });
  world.processes.push(sut);
  try {
    await waitForHttp200(`http://127.0.0.1:${port}/healthz`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${sut.output()}`);
  }
  return Object.assign(sut, { port });
}

const agentIdOf = (bot: ApplicationCreated) => `agent${bot.clientId}`;

function announced(peer: ControllerPeer): Set<string> {
  return new Set(
    peer.framesOf('agent.announce').flatMap((frame) => frame.agents.map((agent) => agent.agentId)),
  );
}

/** Identifies left for a bot today, as Discord reports them in `GET /gateway/bot`. */
async function identifiesLeft(world: World, bot: ApplicationCreated): Promise<number> {
  const response = await fetch(`${world.discord.urls.api}/v10/gateway/bot`, {
    headers: { Authorization: `Bot ${bot.token}` },
  });
  const body = (await response.json()) as { session_start_limit: { remaining: number } };
  return body.session_start_limit.remaining;
}

describe('agent runner', () => {
  describe('music', () => {
    let world: World;
    let sut: RunnerProcess;
    let x: ApplicationCreated;
    let y: ApplicationCreated;

    beforeAll(async () => {
      world = await createWorld(2);
      [x, y] = world.bots;
      world.discord.control.moveVoice(world.guild.guildId, world.humanId, world.guild.channels.Lounge);
      sut = await startRunner(world);
      await world.peer.until(
        () => announced(world.peer).has(agentIdOf(x)) && announced(world.peer).has(agentIdOf(y)),
        30_000,
        'both agents announced',
      );
      await eventually(() =>
        expect(
          world.lavalink.control
            .sessions()
            .filter((session) => session.connected)
            .map((session) => session.userId)
            .sort(),
        ).toEqual([x.botUserId, y.botUserId].sort()),
      );
    });

    afterAll(async () => {
      await destroyWorld(world);
    });

    it('announces each leased agent with its guilds after hello', () => {
      const hello = world.peer.framesOf('hello')[0];
      expect(hello).toMatchObject({ runnerId: world.runner.runnerId, credential: world.runner.secret });
      const agents = world.peer.framesOf('agent.announce').flatMap((frame) => frame.agents);
      expect(agents).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            agentId: agentIdOf(x),
            clientId: x.clientId,
            botUserId: x.botUserId,
            ready: true,
            guilds: [{ guildId: world.guild.guildId, voiceChannelId: null }],
          }),
        ]),
      );
      expect(world.peer.invalid).toEqual([]);
    });

    it('music round trip: play joins voice, Lavalink plays, trackStart becomes an event; queue, skip and stop act on that player', async () => {
      const { guildId, channels } = world.guild;
      const play = okResult<{ queuePosition: number; track: { title: string } }>(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId,
          voiceChannelId: channels.Lounge,
          textChannelId: channels.general,
          query: 'neon harbor',
          requestedBy: world.humanId,
        }),
      );
      expect(play).toMatchObject({ queuePosition: 0, added: 1, track: { title: 'Neon Harbor' } });
      expect(world.discord.control.getVoiceState(guildId, x.botUserId)).toMatchObject({
        channelId: channels.Lounge,
      });
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })).toEqual([
          expect.objectContaining({ guildId, track: expect.objectContaining({ title: 'Neon Harbor' }) }),
        ]),
      );
      await world.peer.until(
        () =>
          world.peer
            .framesOf('event')
            .some(
              (f) =>
                f.agentId === agentIdOf(x) && f.event.name === 'track.start' && f.event.guildId === guildId,
            ),
        10_000,
        'track.start event',
      );

      const second = okResult(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId,
          voiceChannelId: channels.Lounge,
          query: 'glass orchard',
          requestedBy: world.humanId,
        }),
      );
      expect(second).toMatchObject({ queuePosition: 1 });
      const queue = okResult(await world.peer.request(agentIdOf(x), 'music.queue', { guildId }));
      expect(queue).toMatchObject({
        current: { track: { title: 'Neon Harbor', requestedBy: world.humanId } },
        upcoming: [expect.objectContaining({ title: 'Glass Orchard' })],
        total: 1,
        page: 1,
        pages: 1,
        loop: 'off',
      });

      const skip = okResult(await world.peer.request(agentIdOf(x), 'music.skip', { guildId }));
      expect(skip).toMatchObject({ skipped: { title: 'Neon Harbor' }, next: { title: 'Glass Orchard' } });
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]?.track?.title).toBe(
          'Glass Orchard',
        ),
      );

      const report = okResult<{ sessions: unknown[] }>(
        await world.peer.request(agentIdOf(x), 'session.report', {}),
      );
      expect(report.sessions).toEqual([
        expect.objectContaining({
          guildId,
          voiceChannelId: channels.Lounge,
          kind: 'music',
          queue: expect.objectContaining({
            current: expect.objectContaining({ track: expect.objectContaining({ title: 'Glass Orchard' }) }),
          }),
        }),
      ]);

      const stop = okResult(await world.peer.request(agentIdOf(x), 'music.stop', { guildId }));
      expect(stop).toEqual({ stopped: true });
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]?.track).toBeNull(),
      );
      const nowPlaying = okResult(await world.peer.request(agentIdOf(x), 'music.nowplaying', { guildId }));
      expect(nowPlaying).toEqual({ current: null, paused: false });
    });

    it('B6: the voice update the LavalinkManager sends to Lavalink carries the voice channel id', async () => {
      const { guildId, channels } = world.guild;
      okResult(
        await world.peer.request(agentIdOf(y), 'voice.join', { guildId, voiceChannelId: channels.Stage }),
      );
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: y.botUserId })).toEqual([
          expect.objectContaining({ guildId, voiceChannelId: channels.Stage }),
        ]),
      );
      // Moving keeps Lavalink's voice state current: the new channel id reaches the node.
      okResult(
        await world.peer.request(agentIdOf(y), 'voice.join', { guildId, voiceChannelId: channels.Lounge }),
      );
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: y.botUserId })).toEqual([
          expect.objectContaining({ guildId, voiceChannelId: channels.Lounge }),
        ]),
      );
      expect(world.discord.control.getVoiceState(guildId, y.botUserId)).toMatchObject({
        channelId: channels.Lounge,
      });
      okResult(await world.peer.request(agentIdOf(y), 'voice.leave', { guildId }));
      await eventually(() => expect(world.discord.control.getVoiceState(guildId, y.botUserId)).toBeNull());
    });

    it('B12: two identities in one guild keep their own players; music.pause to X leaves Y playing', async () => {
      const { guildId, channels } = world.guild;
      okResult(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId,
          voiceChannelId: channels.Lounge,
          query: 'neon harbor',
          requestedBy: world.humanId,
        }),
      );
      okResult(
        await world.peer.request(agentIdOf(y), 'music.play', {
          guildId,
          voiceChannelId: channels.Stage,
          query: 'glass orchard',
          requestedBy: world.humanId,
        }),
      );
      await eventually(() => {
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]).toMatchObject({
          voiceChannelId: channels.Lounge,
          track: expect.objectContaining({ title: 'Neon Harbor' }),
        });
        expect(world.lavalink.control.players({ userId: y.botUserId })[0]).toMatchObject({
          voiceChannelId: channels.Stage,
          track: expect.objectContaining({ title: 'Glass Orchard' }),
        });
      });

      expect(okResult(await world.peer.request(agentIdOf(x), 'music.pause', { guildId }))).toEqual({
        paused: true,
      });

      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]?.paused).toBe(true),
      );
      expect(world.lavalink.control.players({ userId: y.botUserId })[0]).toMatchObject({ paused: false });
      const yNow = okResult(await world.peer.request(agentIdOf(y), 'music.nowplaying', { guildId }));
      expect(yNow).toMatchObject({ paused: false, current: { track: { title: 'Glass Orchard' } } });
      okResult(await world.peer.request(agentIdOf(x), 'music.resume', { guildId }));
    });

    it('answers domain errors typed: not-in-voice, queue-index-out-of-range, no-results, agent-offline', async () => {
      const other = snowflake();
      const { guildId, channels } = world.guild;
      const notInVoice = await world.peer.request(agentIdOf(x), 'music.skip', { guildId: other });
      expect(notInVoice).toMatchObject({ ok: false, error: { code: 'not-in-voice' } });
      const outOfRange = await world.peer.request(agentIdOf(x), 'music.remove', { guildId, index: 99 });
      expect(outOfRange).toMatchObject({ ok: false, error: { code: 'queue-index-out-of-range' } });
      const nothing = await world.peer.request(agentIdOf(x), 'music.play', {
        guildId,
        voiceChannelId: channels.Lounge,
        query: '~~ ?? !!',
        requestedBy: world.humanId,
      });
      expect(nothing).toMatchObject({ ok: false, error: { code: 'no-results' } });
      const offline = await world.peer.request('agent1234', 'status', {});
      expect(offline).toMatchObject({ ok: false, error: { code: 'agent-offline' } });
    });

    it("reports voice.humans 0 and humans.left when the last human leaves the agent's channel", async () => {
      const { guildId, channels } = world.guild;
      await eventually(() =>
        expect(world.discord.control.getVoiceState(guildId, x.botUserId)?.channelId).toBe(channels.Lounge),
      );
      world.discord.control.moveVoice(guildId, world.humanId, null);
      await world.peer.until(
        () =>
          world.peer
            .framesOf('event')
            .some(
              (f) =>
                f.agentId === agentIdOf(x) && f.event.name === 'humans.left' && f.event.guildId === guildId,
            ),
        10_000,
        'humans.left',
      );
      expect(world.peer.framesOf('agent.update')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            agentId: agentIdOf(x),
            change: { kind: 'voice.humans', guildId, voiceChannelId: channels.Lounge, humans: 0 },
          }),
        ]),
      );
    });

    it("queue ops: search, move, remove, shuffle, loop, volume and clear act on the agent's queue", async () => {
      const { guildId, channels } = world.guild;
      const search = okResult<{ tracks: { author: string }[] }>(
        await world.peer.request(agentIdOf(x), 'music.search', { guildId, query: 'juniper vale', limit: 2 }),
      );
      expect(search.tracks).toHaveLength(2);
      expect(search.tracks.filter((track) => track.author !== 'Juniper Vale')).toEqual([]);
      for (const query of ['static bloom', 'copper skies', 'lighthouse radio']) {
        okResult(
          await world.peer.request(agentIdOf(x), 'music.play', {
            guildId,
            voiceChannelId: channels.Lounge,
            query,
            requestedBy: world.humanId,
          }),
        );
      }
      const titles = async () =>
        okResult<{ upcoming: { title: string }[] }>(
          await world.peer.request(agentIdOf(x), 'music.queue', { guildId }),
        ).upcoming.map((track) => track.title);
      expect(await titles()).toEqual(['Static Bloom', 'Copper Skies', 'Lighthouse Radio']);

      expect(
        okResult(await world.peer.request(agentIdOf(x), 'music.move', { guildId, from: 3, to: 1 })),
      ).toMatchObject({
        moved: { title: 'Lighthouse Radio' },
        to: 1,
      });
      expect(await titles()).toEqual(['Lighthouse Radio', 'Static Bloom', 'Copper Skies']);
      expect(
        okResult(await world.peer.request(agentIdOf(x), 'music.remove', { guildId, index: 2 })),
      ).toMatchObject({
        removed: { title: 'Static Bloom' },
      });
      expect(await titles()).toEqual(['Lighthouse Radio', 'Copper Skies']);
      expect(okResult(await world.peer.request(agentIdOf(x), 'music.shuffle', { guildId }))).toEqual({
        count: 2,
      });
      expect((await titles()).sort()).toEqual(['Copper Skies', 'Lighthouse Radio']);
      expect(
        okResult(await world.peer.request(agentIdOf(x), 'music.loop', { guildId, mode: 'queue' })),
      ).toEqual({
        mode: 'queue',
      });
      expect(
        okResult(await world.peer.request(agentIdOf(x), 'music.volume', { guildId, volume: 50 })),
      ).toEqual({
        volume: 50,
      });
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]?.volume).toBe(50),
      );
      expect(world.lavalink.control.players({ userId: y.botUserId })[0]?.volume).toBe(100);
      const queue = okResult(await world.peer.request(agentIdOf(x), 'music.queue', { guildId }));
      expect(queue).toMatchObject({ loop: 'queue', volume: 50, total: 2 });
      expect(okResult(await world.peer.request(agentIdOf(x), 'music.clear', { guildId }))).toEqual({
        cleared: 2,
      });
      expect(await titles()).toEqual([]);
      okResult(await world.peer.request(agentIdOf(x), 'music.loop', { guildId, mode: 'off' }));
    });

    it('session.resume: another agent takes over a queue snapshot at its position', async () => {
      const { guildId, channels } = world.guild;
      okResult(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId,
          voiceChannelId: channels.Lounge,
          query: 'pixel heart',
          requestedBy: world.humanId,
        }),
      );
      const report = okResult<{ sessions: { queue: QueueSnapshot & { current: CurrentTrack } }[] }>(
        await world.peer.request(agentIdOf(x), 'session.report', {}),
      );
      const snapshot = report.sessions[0].queue;
      okResult(await world.peer.request(agentIdOf(y), 'voice.leave', { guildId }));
      const positionMs = 60_000;

      const resumed = okResult(
        await world.peer.request(agentIdOf(y), 'session.resume', {
          guildId,
          voiceChannelId: channels.Lounge,
          queue: { ...snapshot, current: { ...snapshot.current, positionMs } },
        }),
      );

      expect(resumed).toMatchObject({
        resumed: { track: { title: snapshot.current.track.title }, positionMs },
      });
      await eventually(() => {
        const player = world.lavalink.control.players({ userId: y.botUserId })[0];
        expect(player).toMatchObject({
          voiceChannelId: channels.Lounge,
          track: expect.objectContaining({ title: snapshot.current.track.title }),
        });
        expect(player.position).toBeGreaterThanOrEqual(positionMs);
      });
    });

    it('reports guild joins and leaves, and a voice disconnect by Discord ends the session', async () => {
      const other = world.discord.control.createGuild({ name: 'Second Guild', ownerId: world.humanId });
      world.discord.control.addMember(other.guildId, y.botUserId);
      await world.peer.until(
        () =>
          world.peer
            .framesOf('agent.update')
            .some(
              (f) =>
                f.agentId === agentIdOf(y) &&
                f.change.kind === 'guild.join' &&
                f.change.guild.guildId === other.guildId,
            ),
        10_000,
        'guild.join',
      );
      world.discord.control.removeMember(other.guildId, y.botUserId);
      await world.peer.until(
        () =>
          world.peer
            .framesOf('agent.update')
            .some(
              (f) =>
                f.agentId === agentIdOf(y) &&
                f.change.kind === 'guild.leave' &&
                f.change.guildId === other.guildId,
            ),
        10_000,
        'guild.leave',
      );

      const { guildId, channels } = world.guild;
      expect(world.discord.control.getVoiceState(guildId, y.botUserId)).toMatchObject({
        channelId: channels.Lounge,
      });
      world.discord.control.moveVoice(guildId, y.botUserId, null);
      await world.peer.until(
        () =>
          world.peer
            .framesOf('event')
            .some(
              (f) =>
                f.agentId === agentIdOf(y) &&
                f.event.name === 'voice.disconnected' &&
                f.event.guildId === guildId,
            ),
        10_000,
        'voice.disconnected',
      );
      await eventually(async () =>
        expect(okResult(await world.peer.request(agentIdOf(y), 'session.report', {}))).toEqual({
          sessions: [],
        }),
      );
      const moved = world.peer
        .framesOf('agent.update')
        .filter((f) => f.agentId === agentIdOf(y) && f.change.kind === 'voice.moved')
        .map((f) => f.change);
      expect(moved.at(-1)).toEqual({
        kind: 'voice.moved',
        guildId,
        voiceChannelId: null,
        fromVoiceChannelId: channels.Lounge,
      });
    });

    it('exposes runner metrics on /metrics with bounded labels', async () => {
      const text = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${sut.port}/metrics`);
        expect(response.status).toBe(200);
        const body = await response.text();
        expect(sampleValue(body, 'chopsticks_runner_identities', { state: 'ready' })).toBe(2);
        return body;
      });
      expect(sampleValue(text, 'chopsticks_runner_leases_held')).toBe(2);
      expect(sampleValue(text, 'chopsticks_lavalink_nodes', { state: 'connected' })).toBe(1);
      expect(sampleValue(text, 'chopsticks_dependency_up', { dependency: 'agent_gateway' })).toBe(1);
      expect(() => assertBoundedLabels(text)).not.toThrow();
      expect(text).not.toContain(world.runner.secret);
    });

    it('drains on SIGTERM: drain frame, session reports, agent.gone drain, leases released, exit 0 within 10 s', async () => {
      okResult(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId: world.guild.guildId,
          voiceChannelId: world.guild.channels.Lounge,
          query: 'static bloom',
          requestedBy: world.humanId,
        }),
      );
      expect(await world.ctx.leases.list(world.runner.runnerId)).toHaveLength(2);
      const startedAt = Date.now();
      sut.child.kill('SIGTERM');
      await expect(sut.exited).resolves.toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(10_000);

      const frames = world.peer.latest.frames;
      const drainAt = frames.findIndex((frame) => frame.type === 'drain');
      expect(drainAt).toBeGreaterThanOrEqual(0);
      const after = frames.slice(drainAt);
      expect(after.filter((frame) => frame.type === 'agent.gone')).toEqual(
        expect.arrayContaining([
          { type: 'agent.gone', agentId: agentIdOf(x), reason: 'drain' },
          { type: 'agent.gone', agentId: agentIdOf(y), reason: 'drain' },
        ]),
      );
      expect(after).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'session.report',
            agentId: agentIdOf(x),
            sessions: [expect.objectContaining({ guildId: world.guild.guildId, kind: 'music' })],
          }),
        ]),
      );
      expect(await world.ctx.leases.list(world.runner.runnerId)).toEqual([]);
      expect(world.discord.control.isConnected(x.botUserId)).toBe(false);
    });
  });

  describe('identities', () => {
    let world: World;

    beforeAll(async () => {
      world = await createWorld(1);
    });

    afterAll(async () => {
      await destroyWorld(world);
    });

    it('K5: a refused login marks the agent failed with backoff, is not retried before backoff_until, and a later good login makes it active', async () => {
      const agentId = agentIdOf(world.bots[0]);
      // A Discord that does not know this bot: REST answers 401 and the gateway would close 4004.
      const elsewhere = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
      try {
        const first = await startRunner(world, { DISCORD_API_URL: elsewhere.urls.api });
        const failed = await eventually(async () => {
          const view = await world.ctx.agents.get(agentId);
          expect(view.status).toBe(AgentStatus.Failed);
          return view;
        });
        expect(failed.failureCount).toBe(1);
        expect(failed.backoffUntil!.getTime()).toBeGreaterThan(Date.now() + 20_000);
        expect(failed.lastLoginError).not.toContain(world.bots[0].token);
        await world.peer.until(
          () => world.peer.framesOf('agent.gone').some((frame) => frame.agentId === agentId),
          10_000,
          'agent.gone',
        );
        expect(world.peer.framesOf('agent.gone')).toEqual([
          { type: 'agent.gone', agentId, reason: 'login-failed' },
        ]);
        expect(world.peer.framesOf('event')).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ agentId, event: expect.objectContaining({ name: 'login.failed' }) }),
          ]),
        );

        // Three more lease rounds (TTL 5 s: every ~1.7 s) pass inside the 30 s backoff: no retry.
        await new Promise((resolve) => setTimeout(resolve, 5_500));
        expect(await world.ctx.agents.get(agentId)).toMatchObject({
          status: AgentStatus.Failed,
          failureCount: 1,
        });
        expect(await world.ctx.leases.holder(agentId)).toBeNull();
        expect(announced(world.peer).has(agentId)).toBe(false);
        first.child.kill('SIGTERM');
        await expect(first.exited).resolves.toBe(0);
      } finally {
        await elsewhere.stop();
      }

      // The backoff runs out (moved to the past instead of waiting 30 s); a runner that reaches
      // the bot's Discord logs it in and the agent is active again.
      await world.ctx.dataSource.query(
        `UPDATE agent_bots SET backoff_until = now() - interval '1 second' WHERE agent_id = $1`,
        [agentId],
      );
      await startRunner(world);
      await world.peer.until(() => announced(world.peer).has(agentId), 30_000, 'agent announced');
      await eventually(async () =>
        expect(await world.ctx.agents.get(agentId)).toMatchObject({
          status: AgentStatus.Active,
          failureCount: 0,
          backoffUntil: null,
        }),
      );
    });
  });

  describe('gateway resume', () => {
    let world: World;

    beforeAll(async () => {
      world = await createWorld(1);
    });

    afterAll(async () => {
      await destroyWorld(world);
    });

    it('B18: a gateway whose resumes keep being refused re-identifies (spaced by discord.js) instead of looping', async () => {
      const bot = world.bots[0];
      const agentId = agentIdOf(bot);
      await startRunner(world);
      await world.peer.until(() => announced(world.peer).has(agentId), 30_000, 'agent announced');
      await eventually(() => expect(world.discord.control.isConnected(bot.botUserId)).toBe(true));
      const before = await identifiesLeft(world, bot);

      for (let round = 1; round <= 2; round += 1) {
        world.discord.control.refuseNextResume(bot.botUserId);
        expect(
          world.discord.control.dropGateway({ botUserId: bot.botUserId, mode: 'close', code: 4000 }),
        ).toEqual({
          dropped: 1,
        });
        await eventually(async () => expect(await identifiesLeft(world, bot)).toBe(before - round), 20_000);
        await eventually(() => expect(world.discord.control.isConnected(bot.botUserId)).toBe(true), 20_000);
      }

      // Settled: connected, exactly one identify per refused resume, and no more afterwards.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await identifiesLeft(world, bot)).toBe(before - 2);
      expect(world.discord.control.isConnected(bot.botUserId)).toBe(true);
      const status = okResult(await world.peer.request(agentId, 'status', {}));
      expect(status).toMatchObject({ agentId, ready: true });
      const readiness = world.peer
        .framesOf('agent.update')
        .filter((frame) => frame.agentId === agentId && frame.change.kind === 'ready')
        .map((frame) => frame.change);
      expect(readiness).toContainEqual({ kind: 'ready', ready: false });
      expect(readiness.at(-1)).toEqual({ kind: 'ready', ready: true });
    });
  });

  describe('leases', () => {
    let world: World;
    let peerB: ControllerPeer;

    beforeAll(async () => {
      world = await createWorld(4, 2);
      peerB = await ControllerPeer.start();
    });

    afterAll(async () => {
      await peerB.stop();
      await destroyWorld(world);
    });

    it("two runners share agents without overlap; a dead runner's leases expire and the other takes them; drain releases", async () => {
      const all = world.bots.map(agentIdOf).sort();
      const runnerB = await world.ctx.runners.create({ capacity: 4 }, operator);
      const a = await startRunner(world);
      await world.peer.until(() => announced(world.peer).size === 2, 30_000, 'runner A announced 2 agents');
      const b = await startRunner(
        world,
        { RUNNER_ID: runnerB.runnerId, RUNNER_SECRET: runnerB.secret },
        peerB,
      );
      await peerB.until(() => announced(peerB).size === 2, 30_000, 'runner B announced 2 agents');

      const heldByA = (await world.ctx.leases.list(world.runner.runnerId)).map((lease) => lease.agentId);
      const heldByB = (await world.ctx.leases.list(runnerB.runnerId)).map((lease) => lease.agentId);
      expect(heldByA).toHaveLength(2);
      expect(heldByB).toHaveLength(2);
      expect([...heldByA, ...heldByB].sort()).toEqual(all);
      expect([...announced(world.peer)].sort()).toEqual(heldByA.sort());
      expect([...announced(peerB)].sort()).toEqual(heldByB.sort());

      a.child.kill('SIGKILL');
      await a.exited;
      await peerB.until(() => announced(peerB).size === 4, 30_000, 'runner B took over the expired leases');
      await eventually(async () =>
        expect((await world.ctx.leases.list(runnerB.runnerId)).map((lease) => lease.agentId)).toEqual(all),
      );

      b.child.kill('SIGTERM');
      await expect(b.exited).resolves.toBe(0);
      expect(await world.ctx.leases.list()).toEqual([]);
    });
  });

  describe('control connection', () => {
    let world: World;

    beforeAll(async () => {
      world = await createWorld(1);
    });

    afterAll(async () => {
      await destroyWorld(world);
    });

    it('B1: an error followed by a close leads to exactly one reconnect, after a backoff, and a re-announce', async () => {
      const agentId = agentIdOf(world.bots[0]);
      const sut = await startRunner(world, { CONTROL_RECONNECT_BASE_MS: '400' });
      await world.peer.until(() => announced(world.peer).has(agentId), 30_000, 'agent announced');
      expect(world.peer.connections).toHaveLength(1);

      // A reserved opcode (0x3) from the server: the runner's `ws` emits `error`, then `close`.
      const failedAt = Date.now();
      world.peer.latest.tcp.write(Buffer.from([0x83, 0x00]));
      await world.peer.until(() => world.peer.connections.length === 2, 10_000, 'a second connection');
      const reconnectedAfter = Date.now() - failedAt;
      await world.peer.until(
        () => world.peer.connections[1].frames.some((frame) => frame.type === 'agent.announce'),
        10_000,
        're-announce',
      );
      // Several more backoff windows pass: still exactly one new connection and one new hello.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(world.peer.connections).toHaveLength(2);
      expect(world.peer.framesOf('hello')).toHaveLength(2);
      expect(world.peer.connections[1].frames.filter((frame) => frame.type === 'hello')).toHaveLength(1);
      expect(reconnectedAfter).toBeGreaterThanOrEqual(200);
      expect(world.peer.connections[1].frames).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'agent.announce',
            agents: [expect.objectContaining({ agentId, ready: true })],
          }),
        ]),
      );
      sut.child.kill('SIGTERM');
      await expect(sut.exited).resolves.toBe(0);
    });

    it('a refused hello (auth-failed) is retried only after the maximum backoff, then connects when accepted', async () => {
      const peer = await ControllerPeer.start();
      try {
        peer.helloAnswer = {
          kind: 'refuse',
          error: { code: ProtocolErrorCode.AuthFailed, message: 'runner credential rejected' },
        };
        await startRunner(world, { CONTROL_RECONNECT_BASE_MS: '10', CONTROL_RECONNECT_MAX_MS: '2000' }, peer);
        await peer.until(
          () => peer.connections.length === 1 && peer.framesOf('hello').length === 1,
          10_000,
          'hello',
        );
        // Ordinary backoff would retry within 10–20 ms; after a fatal refusal it waits 1–2 s.
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(peer.connections).toHaveLength(1);
        peer.helloAnswer = { kind: 'welcome' };
        await peer.until(() => announced(peer).size === 1, 10_000, 'announce after acceptance');
        expect(peer.connections).toHaveLength(2);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('Lavalink node restarts', () => {
    let world: World;
    let x: ApplicationCreated;

    beforeAll(async () => {
      world = await createWorld(1);
      [x] = world.bots;
      await startRunner(world, { LAVALINK_RETRY_DELAY_MS: '200' });
      await world.peer.until(() => announced(world.peer).has(agentIdOf(x)), 30_000, 'agent announced');
      await eventually(() =>
        expect(world.lavalink.control.sessions()).toEqual([
          expect.objectContaining({ userId: x.botUserId, connected: true, resuming: true, timeout: 60 }),
        ]),
      );
      okResult(
        await world.peer.request(agentIdOf(x), 'music.play', {
          guildId: world.guild.guildId,
          voiceChannelId: world.guild.channels.Lounge,
          query: 'quiet voltage',
          requestedBy: world.humanId,
        }),
      );
      await eventually(() =>
        expect(world.lavalink.control.players({ userId: x.botUserId })[0]?.track?.title).toBe(
          'Quiet Voltage',
        ),
      );
    });

    afterAll(async () => {
      await destroyWorld(world);
    });

    it('B7: a restart within the resume timeout keeps the same session and the player keeps playing', async () => {
      const [before] = world.lavalink.control.sessions();
      const positionBefore = world.lavalink.control.players({ userId: x.botUserId })[0].position;

      await world.lavalink.control.restart({ keepSessions: true, downtimeMs: 300 });

      await eventually(() =>
        expect(world.lavalink.control.sessions()).toEqual([
          expect.objectContaining({ sessionId: before.sessionId, connected: true }),
        ]),
      );
      await eventually(() => {
        const player = world.lavalink.control.players({ userId: x.botUserId })[0];
        expect(player).toMatchObject({
          sessionId: before.sessionId,
          paused: false,
          track: expect.objectContaining({ title: 'Quiet Voltage' }),
        });
        expect(player.position).toBeGreaterThan(positionBefore);
      });
    });

    it('B8: after a restart that lost the session, the runner rebuilds the player from its last position', async () => {
      const [before] = world.lavalink.control.sessions();
      const positionBefore = world.lavalink.control.players({ userId: x.botUserId })[0].position;

      await world.lavalink.control.restart({ keepSessions: false, downtimeMs: 300 });

      await eventually(() => {
        const [session] = world.lavalink.control.sessions();
        expect(session?.sessionId).not.toBe(before.sessionId);
        const player = world.lavalink.control.players({ userId: x.botUserId })[0];
        expect(player).toMatchObject({
          sessionId: session.sessionId,
          connected: true,
          voiceChannelId: world.guild.channels.Lounge,
          track: expect.objectContaining({ title: 'Quiet Voltage' }),
        });
        expect(player.position).toBeGreaterThanOrEqual(positionBefore);
      });
      const now = okResult(
        await world.peer.request(agentIdOf(x), 'music.nowplaying', { guildId: world.guild.guildId }),
      );
      expect(now).toMatchObject({ current: { track: { title: 'Quiet Voltage' } } });
    });
  });

  describe('one process per runner id', () => {
    it('a second process with the same runner id replaces the first: the first stops without releasing leases and exits 1; every agent stays live on the second, logged in once', async () => {
      const world = await createWorld(3);
      const pools = PoolsModule.forRoot({
        databaseUrl: world.ctx.db.url,
        tokenEncryptionKeys: world.ctx.keys,
        poolSize: 3,
      });
      class RunnerReplacementGatewayModule {}
      const root: DynamicModule = {
        module: RunnerReplacementGatewayModule,
        imports: [
          MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
          pools,
          gatewayFeature.AgentGatewayModule.forRootAsync({
            imports: [pools],
            useFactory: () => ({ port: 0, host: '127.0.0.1' }),
          }),
        ],
      };
      const controller = await NestFactory.createApplicationContext(root, { logger: false });
      await controller.init();
      try {
        const gateway = controller.get(gatewayFeature.AgentGateway);
        const registry = controller.get(AgentRegistry);
        const url = `ws://127.0.0.1:${gateway.port}`;
        const agentIds = world.bots.map(agentIdOf).sort();
        const first = await startRunner(world, { AGENT_CONTROL_URL: url, LOG_LEVEL: 'error' });
        await eventually(() => expect(registry.readyCount).toBe(3), 30_000);
        const firstConnection = gateway.runnerConnections()[0].connectionId;

        const second = await startRunner(world, { AGENT_CONTROL_URL: url, LOG_LEVEL: 'error' });
        expect(await first.exited).toBe(1);
        expect(first.output()).toContain(
          `another process connected with runner id ${world.runner.runnerId}; this one stops`,
        );
        await eventually(() => {
          const [connection] = gateway.runnerConnections();
          expect(gateway.runnerConnections()).toHaveLength(1);
          expect(connection.connectionId).not.toBe(firstConnection);
          expect(registry.readyCount).toBe(3);
          for (const agentId of agentIds)
            expect(registry.get(agentId)?.connectionId).toBe(connection.connectionId);
        }, 30_000);
        const leases = await world.ctx.leases.list();
        expect(
          leases
            .filter((lease) => lease.runnerId === world.runner.runnerId)
            .map((lease) => lease.agentId)
            .sort(),
        ).toEqual(agentIds);
        for (const bot of world.bots) {
          expect(world.discord.control.isConnected(bot.botUserId)).toBe(true);
          // once by each process; the first logged out, the second never re-identified
          expect(world.discord.control.identifyCount(bot.clientId)).toBe(2);
        }
        expect(second.child.exitCode).toBeNull();
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
        await eventually(() => expect(registry.size).toBe(0));
        for (const bot of world.bots) expect(world.discord.control.isConnected(bot.botUserId)).toBe(false);
      } finally {
        await controller.close();
        await destroyWorld(world);
      }
    });
  });
});
