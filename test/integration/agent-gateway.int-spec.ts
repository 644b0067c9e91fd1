import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChopsticksMetrics, sampleValue } from '@app/metrics';
import { AgentRegistrationsService, LeasesService, PoolsService, RunnersService } from '@app/pools';
import { type ErrorFrame, ProtocolErrorCode, type RpcRequestFrame, type WelcomeFrame } from '@app/protocol';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import * as gatewayFeature from '@apps/controller';
import { agentGatewayTestModule } from '../support/agent-gateway-test-module';
import { TestRunnerClient, announcedAgent, statusResponse, testSnowflake } from '../support/runner-client';
import { rpcError } from '../support/agent-rpc-error';
import { RecordingLogger } from '../support/recording-logger';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { agentInput, encryptionKey, operator, poolInput, snowflake, user } from '../utils/factories';

const { AgentGateway, AgentGatewayEvents, AgentRpcClient } = gatewayFeature;
type AgentGatewayOptions = gatewayFeature.AgentGatewayOptions;
type AgentGateway = gatewayFeature.AgentGateway;
type AgentRpcClient = gatewayFeature.AgentRpcClient;
type AgentGatewayEvents = gatewayFeature.AgentGatewayEvents;

interface Harness {
  app: INestApplicationContext;
  sut: AgentGateway;
  rpc: AgentRpcClient;
  registry: AgentRegistry;
  sessions: SessionRegistry;
  events: AgentGatewayEvents;
  metrics: ChopsticksMetrics;
  runners: RunnersService;
  leases: LeasesService;
  url: string;
  logger: RecordingLogger;
  /** Current value of an application metric sample (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** A runner with live leases on `agentIds`, and its one-time secret. */
interface LeasedRunner {
  runnerId: string;
  secret: string;
  agentIds: string[];
}

const waitUntil = async (test: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles `promise` into an observable state without unhandled rejections. */
function track<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  const result = promise.finally(() => (settled = true));
  result.catch(() => undefined);
  return { settled: () => settled, result };
}

describe(AgentGateway.name, () => {
  let db: TestDatabase;
  const keys = encryptionKey('k1');
  const apps: INestApplicationContext[] = [];
  const clients: TestRunnerClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await db.drop();
  });

  async function boot(options: AgentGatewayOptions = {}): Promise<Harness> {
    const logger = new RecordingLogger();
    const root = agentGatewayTestModule(
      {
        databaseUrl: db.url,
        tokenEncryptionKeys: keys,
        poolSize: 4,
        applicationName: 'chopsticks-gateway-test',
      },
      options,
    );
    const app = await NestFactory.createApplicationContext(root, { logger, abortOnError: false });
    await app.init();
    apps.push(app);
    const sut = app.get(AgentGateway);
    const metrics = app.get(ChopsticksMetrics);
    return {
      app,
      sut,
      rpc: app.get(AgentRpcClient),
      registry: app.get(AgentRegistry),
      sessions: app.get(SessionRegistry),
      events: app.get(AgentGatewayEvents),
      metrics,
      runners: app.get(RunnersService),
      leases: app.get(LeasesService),
      url: `ws://127.0.0.1:${sut.port}`,
      logger,
      metric: async (name, labels = {}) => sampleValue(await metrics.appText(), name, labels) ?? 0,
    };
  }

  /** Registers `count` agents (pools of at most 49) and leases all of them to a new runner. */
  async function leasedRunner(h: Harness, count: number): Promise<LeasedRunner> {
    const poolsService = h.app.get(PoolsService);
    const registrations = h.app.get(AgentRegistrationsService);
    const poolSizes = Array.from({ length: Math.ceil(count / 49) }, (_, index) =>
      Math.min(49, count - index * 49),
    );
    await Promise.all(
      poolSizes.map(async (size) => {
        const ownerId = snowflake();
        const pool = await poolsService.create(poolInput({ ownerId, maxAgents: 49 }), user(ownerId));
        for (let i = 0; i < size; i += 1) await registrations.register(agentInput(pool.id), user(ownerId));
      }),
    );
    const { runnerId, secret } = await h.runners.create({ capacity: Math.max(count, 1) }, operator);
    const claim = await h.leases.claim(runnerId, { capacity: count, ttlSeconds: 600 });
    expect(claim.held).toHaveLength(count);
    return { runnerId, secret, agentIds: claim.held };
  }

  async function connect(h: Harness, runner: LeasedRunner): Promise<TestRunnerClient> {
    const client = await TestRunnerClient.authenticated(h.url, {
      runnerId: runner.runnerId,
      credential: runner.secret,
    });
    clients.push(client);
    return client;
  }

  async function rawClient(h: Harness): Promise<TestRunnerClient> {
    const client = await TestRunnerClient.connect(h.url);
    clients.push(client);
    return client;
  }

  /** Connects, announces every agent of `runner` in guild `guildId` and waits until they are live. */
  async function liveRunner(
    h: Harness,
    runner: LeasedRunner,
    guildId = testSnowflake(),
  ): Promise<TestRunnerClient> {
    const client = await connect(h, runner);
    client.announce(runner.agentIds.map((agentId) => announcedAgent(agentId, [guildId])));
    await waitUntil(
      () => runner.agentIds.every((agentId) => h.registry.isOwner(agentId, welcomeOf(client).connectionId!)),
      5_000,
      'agents live',
    );
    return client;
  }

  function welcomeOf(client: TestRunnerClient): WelcomeFrame {
    return client.received.find((frame) => frame.type === 'welcome') as WelcomeFrame;
  }

  const errorFrames = (client: TestRunnerClient) =>
    client.received.filter((frame): frame is ErrorFrame => frame.type === 'error');

  describe('admission', () => {
    it('P1: a hello without a credential gets auth-failed, close 1008, no live agent, rejected counter +1', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: null });
      client.announce([announcedAgent(runner.agentIds[0], [testSnowflake()])]);
      const closed = await client.closed;
      expect(closed).toEqual({ code: 1008, reason: 'auth-failed' });
      expect(client.received).toHaveLength(1);
      expect(client.received[0]).toMatchObject({ type: 'error', code: 'auth-failed', fatal: true });
      expect((client.received[0] as ErrorFrame).message).toMatch(/credential is required/);
      expect(h.registry.size).toBe(0);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'auth-failed' }),
      ).toBe(1);
    });

    it('P1: a wrong credential gets auth-failed, close 1008, no live agent, rejected counter +1', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: `${runner.secret}x` });
      client.announce([announcedAgent(runner.agentIds[0], [testSnowflake()])]);
      const closed = await client.closed;
      expect(closed).toEqual({ code: 1008, reason: 'auth-failed' });
      expect(client.received).toEqual([
        expect.objectContaining({
          type: 'error',
          code: 'auth-failed',
          message: 'runner credential rejected',
          fatal: true,
        }),
      ]);
      expect(JSON.stringify(client.received)).not.toContain(runner.secret);
      expect(h.registry.size).toBe(0);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'auth-failed' }),
      ).toBe(1);
      expect(h.logger.lines.map((line) => line.message).join('\n')).not.toContain(runner.secret);
    });

    it('P3: a hello without a protocol version is told a version is required and closed 1008', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: runner.secret, version: null });
      expect(await client.closed).toEqual({ code: 1008, reason: 'version-required' });
      expect(client.received).toEqual([
        expect.objectContaining({
          type: 'error',
          code: 'version-required',
          message: 'protocol version is required',
        }),
      ]);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'version-required' }),
      ).toBe(1);
    });

    it('P3: an unsupported major version is refused naming the offered and supported range, close 1008', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: runner.secret, version: '2.0.0' });
      expect(await client.closed).toEqual({ code: 1008, reason: 'version-unsupported' });
      const [error] = errorFrames(client);
      expect(error.code).toBe('version-unsupported');
      expect(error.message).toContain('2.0.0');
      expect(error.message).toContain('1.0.0 – 1.x');
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'version-unsupported' }),
      ).toBe(1);
    });

    it('P4: a socket without a valid hello within the handshake window is closed 1008 hello-required', async () => {
      const h = await boot({ helloDeadlineMs: 150 });
      const client = await rawClient(h);
      const started = Date.now();
      expect(await client.closed).toEqual({ code: 1008, reason: 'hello-required' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(client.received).toEqual([]);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'hello-required' }),
      ).toBe(1);
      await waitUntil(() => h.sut.connectionCount === 0, 2_000, 'the socket to be gone');
    });

    it('B4: valid-looking frames before the hello trigger nothing and the client receives only the close', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await rawClient(h);
      client.send({
        type: 'agent.announce',
        agents: [announcedAgent(runner.agentIds[0], [testSnowflake()])],
      });
      client.send({ type: 'ping', ts: Date.now() });
      client.send({ type: 'rpc.response', id: 'x', agentId: runner.agentIds[0], ok: true, result: {} });
      client.hello({ runnerId: runner.runnerId, credential: runner.secret });
      expect(await client.closed).toEqual({ code: 1008, reason: 'hello-required' });
      expect(client.received).toEqual([]);
      expect(h.registry.size).toBe(0);
      expect(await h.metric('chopsticks_gateway_frames_dropped_total', { reason: 'hello-required' })).toBe(1);
    });

    it('closes with 1011 internal when the credential cannot be checked (Postgres gone)', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      await h.app.get(DataSource).destroy();
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: runner.secret });
      expect(await client.closed).toEqual({ code: 1011, reason: 'internal' });
      expect(client.received).toEqual([
        expect.objectContaining({
          type: 'error',
          code: 'internal',
          message: 'authentication is unavailable',
        }),
      ]);
      expect(h.registry.size).toBe(0);
    });

    it('refuses runners beyond the connection cap with 1013 connection-limit; a runner replacing itself still fits', async () => {
      const h = await boot({ maxConnections: 2 });
      const first = await leasedRunner(h, 1);
      await connect(h, first);
      await connect(h, await leasedRunner(h, 1));
      const third = await rawClient(h);
      const thirdRunner = await leasedRunner(h, 1);
      third.hello({ runnerId: thirdRunner.runnerId, credential: thirdRunner.secret });
      expect(await third.closed).toEqual({ code: 1013, reason: 'connection-limit' });
      expect(errorFrames(third)).toEqual([
        expect.objectContaining({ code: 'connection-limit', fatal: true }),
      ]);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'connection-limit' }),
      ).toBe(1);
      await connect(h, first);
      expect(h.sut.runnerConnections()).toHaveLength(2);
    });

    it('unauthenticated sockets have their own budget: beyond it the oldest silent ones are closed 1013 and a real runner still connects at once', async () => {
      const pendingBudget = 3;
      const extra = 2;
      const h = await boot({ maxPendingHellos: pendingBudget, maxConnections: 5 });
      const closed: { code: number; reason: string }[] = [];
      for (let i = 0; i < pendingBudget + extra; i += 1) {
        const client = await rawClient(h);
        void client.closed.then((info) => closed.push(info));
        await waitUntil(
          () => h.sut.connectionCount >= Math.min(i + 1, pendingBudget),
          2_000,
          'socket admitted',
        );
      }
      await waitUntil(() => closed.length === extra, 2_000, 'the extra sockets closed');
      await waitUntil(() => h.sut.connectionCount === pendingBudget, 2_000, 'the budget to hold');
      expect(closed).toEqual(
        Array.from({ length: extra }, () => ({ code: 1013, reason: 'connection-limit' })),
      );
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'connection-limit' }),
      ).toBe(extra);

      const runner = await leasedRunner(h, 2);
      const client = await liveRunner(h, runner);
      expect(errorFrames(client)).toEqual([]);
      expect(h.registry.size).toBe(2);
      expect(h.sut.runnerConnections()).toEqual([
        expect.objectContaining({ runnerId: runner.runnerId, agents: 2 }),
      ]);
      expect(h.sut.connectionCount).toBe(pendingBudget);
    });
  });

  describe('announce and ownership', () => {
    it('P2: agents leased to the runner go live with guilds and readiness; others are refused', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 3);
      const other = await leasedRunner(h, 1);
      const unknownAgent = `agent${testSnowflake()}`;
      const [guildA, guildB] = [testSnowflake(), testSnowflake()];
      const client = await connect(h, runner);
      client.announce([
        announcedAgent(runner.agentIds[0], [guildA, guildB]),
        announcedAgent(runner.agentIds[1], [guildA]),
        announcedAgent(runner.agentIds[2], [guildB], false),
        announcedAgent(other.agentIds[0], [guildA]),
        announcedAgent(unknownAgent, [guildA]),
      ]);
      await waitUntil(() => errorFrames(client).length === 2, 5_000, 'refusals');
      await waitUntil(() => h.registry.size === 3, 5_000, 'three live agents');

      expect([...h.registry.get(runner.agentIds[0])!.guilds].sort()).toEqual([guildA, guildB].sort());
      expect(h.registry.get(runner.agentIds[0])!.ready).toBe(true);
      expect(h.registry.get(runner.agentIds[2])!.ready).toBe(false);
      expect([...h.registry.agentIdsInGuild(guildA)].sort()).toEqual(
        [runner.agentIds[0], runner.agentIds[1]].sort(),
      );
      expect(h.registry.get(other.agentIds[0])).toBeUndefined();
      expect(h.registry.get(unknownAgent)).toBeUndefined();
      expect(errorFrames(client).map((frame) => [frame.code, frame.ref?.agentId, frame.fatal])).toEqual([
        ['agent-not-leased', other.agentIds[0], false],
        ['agent-not-leased', unknownAgent, false],
      ]);
      expect(
        await h.metric('chopsticks_gateway_rejected_registrations_total', { reason: 'agent-not-leased' }),
      ).toBe(2);
      expect(await h.metric('chopsticks_agent_connected')).toBe(3);
      expect(await h.metric('chopsticks_agent_ready')).toBe(2);
      expect(await h.metric('chopsticks_gateway_connections')).toBe(1);
      expect(h.sut.runnerConnections()).toEqual([
        expect.objectContaining({
          runnerId: runner.runnerId,
          remoteAddress: '127.0.0.1',
          agents: 3,
          draining: false,
        }),
      ]);
    });

    it('P8: one runner carrying 300 agents from one IP address has all 300 admitted', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 300);
      const client = await liveRunner(h, runner);
      expect(h.registry.size).toBe(300);
      expect(h.sut.connectionCount).toBe(1);
      expect(errorFrames(client)).toEqual([]);
      expect(await h.metric('chopsticks_agent_connected')).toBe(300);
    }, 60_000);

    it('a newer connection replaces the older one, whose later frames and close change nothing', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const [agentId] = runner.agentIds;
      const guildId = testSnowflake();
      const older = await liveRunner(h, runner, guildId);
      const newer = await liveRunner(h, runner, guildId);
      const newerId = welcomeOf(newer).connectionId!;
      expect(h.registry.get(agentId)!.connectionId).toBe(newerId);
      const lost: string[] = [];
      h.sut.onAgentsLost((agentIds) => lost.push(...agentIds));

      older.send({ type: 'agent.update', agentId, change: { kind: 'ready', ready: false } });
      older.send({ type: 'agent.update', agentId, change: { kind: 'guild.leave', guildId } });
      older.send({ type: 'agent.announce', agents: [announcedAgent(agentId, [testSnowflake()], false)] });
      older.send({ type: 'agent.gone', agentId, reason: 'logout' });
      await older.next((frame) => frame.type === 'error' && frame.code === ProtocolErrorCode.Replaced);
      await older.close();
      await waitUntil(() => h.sut.connectionCount === 1, 2_000, 'older connection gone');

      const agent = h.registry.get(agentId)!;
      expect(agent.connectionId).toBe(newerId);
      expect(agent.ready).toBe(true);
      expect([...agent.guilds]).toEqual([guildId]);
      expect(lost).toEqual([]);
    });

    it('a runner id is one process: a newer connection replaces the older (1008 replaced), whose late close leaves the newer agents live', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 3);
      const guildId = testSnowflake();
      const older = await liveRunner(h, runner, guildId);
      const olderId = welcomeOf(older).connectionId!;
      const lost: string[] = [];
      h.sut.onAgentsLost((agentIds) => lost.push(...agentIds));
      // The older peer stops reading, so the gateway sees its close only after the newer announced.
      older.socket.pause();
      const newer = await liveRunner(h, runner, guildId);
      const newerId = welcomeOf(newer).connectionId!;
      expect(h.sut.runnerConnections()).toEqual([
        expect.objectContaining({ connectionId: newerId, agents: 3 }),
      ]);
      expect(h.sut.connectionCount).toBe(2);

      older.socket.resume();
      expect(await older.closed).toEqual({ code: 1008, reason: 'replaced' });
      expect(errorFrames(older)).toEqual([
        expect.objectContaining({ code: ProtocolErrorCode.Replaced, fatal: true }),
      ]);
      expect(errorFrames(older)[0].message).toContain(`runner id ${runner.runnerId}`);
      await waitUntil(() => h.sut.connectionCount === 1, 2_000, 'older connection gone');
      for (const agentId of runner.agentIds) {
        const agent = h.registry.get(agentId)!;
        expect(agent.connectionId).toBe(newerId);
        expect(agent.ready).toBe(true);
      }
      expect(h.registry.agentIdsOfConnection(olderId).size).toBe(0);
      expect(h.registry.size).toBe(3);
      expect(lost).toEqual([]);
      expect(errorFrames(newer)).toEqual([]);
      expect(await h.metric('chopsticks_agent_connected')).toBe(3);
    });

    it('a replaced connection is refused before its agents move: its close drops only what the newer has not announced', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 2);
      const older = await liveRunner(h, runner);
      const lost: string[] = [];
      h.sut.onAgentsLost((agentIds) => lost.push(...agentIds));
      const newer = await connect(h, runner);
      expect(await older.closed).toEqual({ code: 1008, reason: 'replaced' });
      await waitUntil(() => h.registry.size === 0, 2_000, 'older agents removed');
      expect(lost.sort()).toEqual([...runner.agentIds].sort());
      newer.announce(runner.agentIds.map((agentId) => announcedAgent(agentId, [testSnowflake()])));
      await waitUntil(() => h.registry.size === 2, 2_000, 'newer agents live');
      expect(h.sut.runnerConnections()).toEqual([
        expect.objectContaining({ connectionId: welcomeOf(newer).connectionId, agents: 2 }),
      ]);
    });

    it('B1: a runner whose connection errors then closes and reconnects once has one connection and one registration per agent', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 3);
      const first = await liveRunner(h, runner);
      await first.destroy();
      await waitUntil(() => h.sut.connectionCount === 0, 2_000, 'first connection closed');
      const second = await liveRunner(h, runner);
      const secondId = welcomeOf(second).connectionId!;
      expect(h.sut.connectionCount).toBe(1);
      expect(h.registry.size).toBe(3);
      for (const agentId of runner.agentIds) expect(h.registry.get(agentId)!.connectionId).toBe(secondId);
      expect([...h.registry.agentIdsOfConnection(secondId)].sort()).toEqual(runner.agentIds);
      expect(await h.metric('chopsticks_agent_connected')).toBe(3);
      expect(await h.metric('chopsticks_gateway_connections')).toBe(1);
    });
    it('processes frames sent right after the hello once the runner is welcomed', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 2);
      const client = await rawClient(h);
      client.hello({ runnerId: runner.runnerId, credential: runner.secret });
      client.announce(runner.agentIds.map((agentId) => announcedAgent(agentId, [testSnowflake()])));
      await client.next((frame) => frame.type === 'welcome');
      await waitUntil(() => h.registry.size === 2, 5_000, 'pipelined announce applied');
      expect(client.received[0].type).toBe('welcome');
    });

    it('publishes events, session reports and drain only from the connection that owns the agent', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const [agentId] = runner.agentIds;
      const guildId = testSnowflake();
      const older = await liveRunner(h, runner, guildId);
      const newer = await liveRunner(h, runner, guildId);
      const seen: string[] = [];
      h.events.on('agent.event', ({ agentId: from, event }) => seen.push(`event:${from}:${event.name}`));
      h.events.on('session.report', ({ agentId: from, sessions }) =>
        seen.push(`report:${from}:${sessions.length}`),
      );
      h.events.on('runner.drain', ({ runnerId, reason }) => seen.push(`drain:${runnerId}:${reason}`));

      older.send({ type: 'event', agentId, at: Date.now(), event: { name: 'queue.end', guildId } });
      older.send({ type: 'session.report', agentId, sessions: [] });
      newer.send({ type: 'event', agentId, at: Date.now(), event: { name: 'queue.end', guildId } });
      newer.send({ type: 'session.report', agentId, sessions: [] });
      newer.send({ type: 'drain', reason: 'SIGTERM' });
      await waitUntil(() => seen.length === 3, 2_000, 'three events');
      expect(seen).toEqual([
        `event:${agentId}:queue.end`,
        `report:${agentId}:0`,
        `drain:${runner.runnerId}:SIGTERM`,
      ]);
    });
  });

  describe('guards and liveness', () => {
    it('P5: a frame above the cap gets frame-too-large, is ignored, and the connection stays open', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      client.send({
        type: 'agent.update',
        agentId,
        change: { kind: 'guild.join', guild: { guildId: testSnowflake() } },
        padding: 'x'.repeat(70 * 1024),
      });
      const error = (await client.next((frame) => frame.type === 'error')) as ErrorFrame;
      expect(error).toMatchObject({ code: 'frame-too-large', fatal: false });
      expect(h.registry.get(agentId)!.guilds.size).toBe(1);
      const ts = Date.now();
      client.send({ type: 'ping', ts });
      expect(await client.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong', ts });
      expect(await h.metric('chopsticks_gateway_frames_dropped_total', { reason: 'frame-too-large' })).toBe(
        1,
      );
      expect(h.sut.connectionCount).toBe(1);
    });

    it('P6: a flood beyond the rate cap is dropped, logged and counted; the answer to a call in flight still arrives', async () => {
      const h = await boot({ maxFramesPerSecond: 5, frameBurst: 5 });
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      client.onRpc((request) => [
        ...Array.from({ length: 20 }, () => ({ type: 'ping' as const, ts: Date.now() })),
        statusResponse(request),
      ]);
      await expect(h.rpc.call(agentId, 'status', {}, { timeoutMs: 10_000 })).resolves.toBeDefined();
      expect(
        await h.metric('chopsticks_gateway_frames_dropped_total', { reason: 'rate-limited' }),
      ).toBeGreaterThanOrEqual(10);
      expect(
        h.logger.lines.filter((line) => line.level === 'warn' && /dropping frames/.test(line.message)),
      ).toHaveLength(1);
      await client.next((frame) => frame.type === 'error' && frame.code === ProtocolErrorCode.RateLimited);
      expect(h.sut.connectionCount).toBe(1);
    });

    it('P6: unsolicited responses count against the cap like any other frame', async () => {
      const h = await boot({ maxFramesPerSecond: 5, frameBurst: 5 });
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      for (let index = 0; index < 20; index += 1) {
        client.send({ type: 'rpc.response', id: `unsolicited-${index}`, agentId, ok: true, result: {} });
      }
      await client.next((frame) => frame.type === 'error' && frame.code === ProtocolErrorCode.RateLimited);
      expect(
        await h.metric('chopsticks_gateway_frames_dropped_total', { reason: 'rate-limited' }),
      ).toBeGreaterThanOrEqual(10);
      expect(h.sut.connectionCount).toBe(1);
    });

    it('P7: an agent that stops answering pings is disconnected after the stale limit and its sessions are released', async () => {
      const h = await boot({ heartbeatIntervalMs: 50, staleAfterMs: 500 });
      const runner = await leasedRunner(h, 2);
      const guildId = testSnowflake();
      const client = await liveRunner(h, runner, guildId);
      h.sessions.bind({
        guildId,
        voiceChannelId: testSnowflake(),
        kind: 'music',
        agentId: runner.agentIds[0],
      });
      const lost: { agentIds: readonly string[]; reason: string }[] = [];
      h.sut.onAgentsLost((agentIds, reason) => lost.push({ agentIds, reason }));
      await sleep(600);
      expect(h.registry.size).toBe(2);
      expect(client.received.filter((frame) => frame.type === 'ping').length).toBeGreaterThan(2);

      client.answerPings = false;
      const closed = await client.closed;
      expect(closed.code).toBe(1006);
      await waitUntil(() => h.registry.size === 0, 2_000, 'agents removed');
      expect(lost).toEqual([{ agentIds: expect.arrayContaining(runner.agentIds), reason: 'stale' }]);
      expect(h.sessions.byAgentId(runner.agentIds[0])).toEqual([]);
      expect(h.sessions.size).toBe(0);
      expect(await h.metric('chopsticks_gateway_connections')).toBe(0);
    });

    it('records the ping round trip in the agent health', async () => {
      const h = await boot({ heartbeatIntervalMs: 30 });
      const runner = await leasedRunner(h, 1);
      await liveRunner(h, runner);
      await waitUntil(
        () => h.registry.get(runner.agentIds[0])!.health.rttMs !== null,
        2_000,
        'an RTT sample',
      );
      expect(h.registry.get(runner.agentIds[0])!.health.rttMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('RPC', () => {
    it('R1: a status call returns the agent data and the latency histogram records it', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      client.onRpc((request) => statusResponse(request));
      const before = await h.metric('chopsticks_rpc_duration_seconds_count', { op: 'status' });
      const status = await h.rpc.call(agentId, 'status', {});
      expect(status).toEqual({
        agentId,
        ready: true,
        uptimeMs: 1234,
        guilds: [],
        sessions: [],
        lavalink: [],
      });
      expect(await h.metric('chopsticks_rpc_duration_seconds_count', { op: 'status' })).toBe(before + 1);
      const request = client.received.find((frame) => frame.type === 'rpc.request') as RpcRequestFrame;
      expect(request).toMatchObject({ agentId, op: 'status', params: {}, timeoutMs: 10_000 });
    });

    it('R2: an agent that never answers gives agent-timeout and its health score drops', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      const before = h.registry.healthScore(agentId)!;
      const error = await rpcError(h.rpc.call(agentId, 'status', {}, { timeoutMs: 100 }));
      expect(error.code).toBe(ProtocolErrorCode.AgentTimeout);
      expect(error.transport).toBe(true);
      expect(h.registry.healthScore(agentId)!).toBeLessThan(before);
      expect(await h.metric('chopsticks_rpc_errors_total', { op: 'status', code: 'agent-timeout' })).toBe(1);
      expect(h.rpc.pendingCount).toBe(0);
    });

    it('R3: a response whose id belongs to a call sent to a different agent is ignored', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 2);
      const [agentA, agentB] = runner.agentIds;
      const client = await liveRunner(h, runner);
      const stranger = await liveRunner(h, await leasedRunner(h, 1));
      const call = track(h.rpc.call(agentA, 'status', {}, { timeoutMs: 5_000 }));
      const request = (await client.next((frame) => frame.type === 'rpc.request')) as RpcRequestFrame;

      client.send(statusResponse(request, agentB));
      stranger.send(statusResponse(request, agentA));
      await sleep(100);
      expect(call.settled()).toBe(false);

      client.send(statusResponse(request, agentA));
      await expect(call.result).resolves.toMatchObject({ agentId: agentA });
    });

    it('fails in-flight calls at once with agent-offline when the connection closes', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const [agentId] = runner.agentIds;
      const started = Date.now();
      const call = rpcError(h.rpc.call(agentId, 'status', {}, { timeoutMs: 10_000 }));
      await client.next((frame) => frame.type === 'rpc.request');
      await client.close();
      const error = await call;
      expect(error.code).toBe(ProtocolErrorCode.AgentOffline);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(h.rpc.call(agentId, 'status', {})).rejects.toMatchObject({
        code: ProtocolErrorCode.AgentOffline,
      });
    });

    it('fails in-flight calls with agent-offline when the runner reports the agent gone', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 2);
      const client = await liveRunner(h, runner);
      const [gone, stays] = runner.agentIds;
      const call = rpcError(h.rpc.call(gone, 'status', {}, { timeoutMs: 10_000 }));
      await client.next((frame) => frame.type === 'rpc.request');
      client.send({ type: 'agent.gone', agentId: gone, reason: 'logout' });
      expect((await call).code).toBe(ProtocolErrorCode.AgentOffline);
      expect(h.registry.get(gone)).toBeUndefined();
      expect(h.registry.get(stays)).toBeDefined();
    });

    it('a domain error rejects the call but never opens the breaker, while transport timeouts do', async () => {
      const h = await boot({
        breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
      });
      const runner = await leasedRunner(h, 2);
      const [domainAgent, silentAgent] = runner.agentIds;
      const client = await liveRunner(h, runner);
      const guildId = testSnowflake();
      client.onRpc((request) =>
        request.agentId === domainAgent
          ? {
              type: 'rpc.response' as const,
              id: request.id,
              agentId: request.agentId,
              ok: false as const,
              error: { code: ProtocolErrorCode.NotInVoice, message: 'not in a voice channel' },
            }
          : null,
      );

      for (let i = 0; i < 6; i += 1) {
        const error = await rpcError(h.rpc.call(domainAgent, 'music.skip', { guildId }));
        expect(error.code).toBe(ProtocolErrorCode.NotInVoice);
        expect(error.transport).toBe(false);
      }
      expect(h.rpc.breakerState(domainAgent)).toBe('closed');
      expect(h.registry.healthScore(domainAgent)).toBe(100);
      expect(await h.metric('chopsticks_rpc_errors_total', { op: 'music.skip', code: 'not-in-voice' })).toBe(
        6,
      );

      for (let i = 0; i < 3; i += 1) {
        const error = await rpcError(h.rpc.call(silentAgent, 'music.skip', { guildId }, { timeoutMs: 50 }));
        expect(error.code).toBe(ProtocolErrorCode.AgentTimeout);
      }
      expect(h.rpc.breakerState(silentAgent)).toBe('open');
      const requestsBefore = client.received.filter((frame) => frame.type === 'rpc.request').length;
      const error = await rpcError(h.rpc.call(silentAgent, 'music.skip', { guildId }, { timeoutMs: 50 }));
      expect(error.code).toBe(ProtocolErrorCode.CircuitOpen);
      await sleep(50);
      expect(client.received.filter((frame) => frame.type === 'rpc.request')).toHaveLength(requestsBefore);
      expect(await h.metric('chopsticks_rpc_errors_total', { op: 'music.skip', code: 'circuit-open' })).toBe(
        1,
      );
      await expect(h.rpc.call(domainAgent, 'music.skip', { guildId })).rejects.toMatchObject({
        code: ProtocolErrorCode.NotInVoice,
      });
    });

    it('fails the call at once when its response frame is refused (over the frame cap)', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      client.onRpc((request) => ({ ...statusResponse(request), padding: 'x'.repeat(70 * 1024) }));
      const started = Date.now();
      const error = await rpcError(h.rpc.call(runner.agentIds[0], 'status', {}, { timeoutMs: 10_000 }));
      expect(error.code).toBe(ProtocolErrorCode.FrameTooLarge);
      expect(error.transport).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('refuses invalid params before sending anything', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const error = await rpcError(
        h.rpc.call(runner.agentIds[0], 'music.volume', { guildId: testSnowflake(), volume: 999 }),
      );
      expect(error.code).toBe(ProtocolErrorCode.InvalidParams);
      expect(error.message).toContain('volume');
      expect(client.received.filter((frame) => frame.type === 'rpc.request')).toEqual([]);
    });
  });

  describe('shutdown', () => {
    it('sends shutdown to every runner, closes with 1001 and fails pending calls', async () => {
      const h = await boot();
      const runner = await leasedRunner(h, 1);
      const client = await liveRunner(h, runner);
      const call = rpcError(h.rpc.call(runner.agentIds[0], 'status', {}, { timeoutMs: 10_000 }));
      await client.next((frame) => frame.type === 'rpc.request');
      await h.app.close();
      apps.splice(apps.indexOf(h.app), 1);
      expect((await call).code).toBe(ProtocolErrorCode.AgentOffline);
      expect(await client.closed).toEqual({ code: 1001, reason: 'shutting-down' });
      expect(client.received.map((frame) => frame.type)).toContain('shutdown');
    });
  });
});
