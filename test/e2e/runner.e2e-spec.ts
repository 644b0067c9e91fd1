import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import { AgentStatus } from '@app/pools';
import type { RpcResponseFrame } from '@app/protocol';
import { type ApplicationCreated, DiscordSandbox, type GuildCreated, LavalinkSandbox } from '@app/sandbox';
import { Events, GatewayDispatchEvents, type GatewayDispatchPayload } from 'discord.js';
import { AgentsAppModule } from '../../apps/agents/src/app.module';
import { loadAgentsConfig } from '../../apps/agents/src/config/agents.config';
import { AgentIdentity } from '../../apps/agents/src/identities/agent-identity';
import { IdentityManager } from '../../apps/agents/src/identities/identity-manager.service';
import { RunnerService } from '../../apps/agents/src/runner/runner.service';
import { ControllerPeer } from '../support/controller-peer';
import { createPoolsTestContext, type PoolsTestContext } from '../utils/pools-context';
import { operator, snowflake } from '../utils/factories';

jest.setTimeout(60_000);

/** Polls `check` until it stops throwing. */
async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
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
}

async function createWorld(botCount: number): Promise<World> {
  const ctx = await createPoolsTestContext();
  const discord = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
  const lavalink = await LavalinkSandbox.start({
    timeScale: 0.05,
    playerUpdateIntervalMs: 40,
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
  const runner = await ctx.runners.create({ capacity: 10 }, operator);
  return { ctx, discord, lavalink, peer, poolId: pool.id, humanId, guild, bots, runner };
}

async function destroyWorld(world: World): Promise<void> {
  await world.peer.stop();
  await world.lavalink.stop();
  await world.discord.stop();
  await world.ctx.close();
}

function runnerEnv(world: World, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: world.ctx.db.url,
    TOKEN_ENCRYPTION_KEYS: world.ctx.keys,
    DATABASE_POOL_SIZE: '3',
    AGENT_CONTROL_URL: world.peer.url,
    RUNNER_ID: world.runner.runnerId,
    RUNNER_SECRET: world.runner.secret,
    RUNNER_CAPACITY: '10',
    LEASE_TTL_SECONDS: '6',
    DISCORD_API_URL: world.discord.urls.api,
    LAVALINK_NODES: `main=${world.lavalink.url}#youshallnotpass`,
    CONTROL_RECONNECT_BASE_MS: '50',
    HEALTH_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ...overrides,
  };
}

async function startRunner(
  world: World,
  overrides: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  return startHttpApp(AgentsAppModule.forRoot(loadAgentsConfig(runnerEnv(world, overrides))), {
    port: 0,
    host: '127.0.0.1',
  });
}

const agentIdOf = (bot: ApplicationCreated) => `agent${bot.clientId}`;

describe(RunnerService.name, () => {
  describe('music', () => {
    let world: World;
    let app: NestFastifyApplication;
    let x: ApplicationCreated;
    let y: ApplicationCreated;

    beforeAll(async () => {
      world = await createWorld(2);
      [x, y] = world.bots;
      world.discord.control.moveVoice(world.guild.guildId, world.humanId, world.guild.channels.Lounge);
      app = await startRunner(world);
      await world.peer.until(
        () => {
          const announced = new Set(
            world.peer.framesOf('agent.announce').flatMap((f) => f.agents.map((a) => a.agentId)),
          );
          return announced.has(agentIdOf(x)) && announced.has(agentIdOf(y));
        },
        20_000,
        'both agents announced',
      );
      const identities = app.get(IdentityManager);
      await eventually(() => {
        for (const bot of world.bots) {
          const nodes = identities.get(agentIdOf(bot))?.lavalink?.nodeManager.nodes;
          if (![...(nodes?.values() ?? [])].some((node) => node.connected && node.sessionId))
            throw new Error('lavalink node not connected');
        }
      });
    });

    afterAll(async () => {
      await app?.close();
      await destroyWorld(world);
    });

    it('serves /healthz', async () => {
      const response = await fetch(`http://127.0.0.1:${listeningPort(app)}/healthz`);
      expect(response.status).toBe(200);
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
  });
});
