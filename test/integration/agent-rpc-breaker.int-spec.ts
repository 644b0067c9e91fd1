import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AgentRegistrationsService, LeasesService, PoolsService, RunnersService } from '@app/pools';
import { ProtocolErrorCode, type RpcRequestFrame } from '@app/protocol';
import { AgentRegistry } from '@app/sessions';
import * as gatewayFeature from '@apps/controller';
import { agentGatewayTestModule } from '../support/agent-gateway-test-module';
import { TestRunnerClient, announcedAgent, statusResponse, testSnowflake } from '../support/runner-client';
import { rpcError } from '../support/agent-rpc-error';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { agentInput, encryptionKey, operator, poolInput, snowflake, user } from '../utils/factories';

const { AgentGateway, AgentRpcClient } = gatewayFeature;

/**
 * The per-agent circuit breaker of `AgentRpcClient` as the RPC hot path uses it: calls to an
 * agent without a transport failure in the rolling window skip the breaker; the first transport
 * failure is counted in the breaker and every call after it in the window goes through it.
 * Real Postgres (credentials, leases), a real gateway socket and a protocol-speaking runner.
 */
describe(`${AgentRpcClient.name} circuit breaker`, () => {
  let db: TestDatabase;
  let app: INestApplicationContext | null = null;
  let client: TestRunnerClient | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await client?.close();
    client = null;
    await app?.close();
    app = null;
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Boots the gateway with `breaker` options and one runner whose agent answers per `answer`. */
  async function agentBehind(
    breaker: gatewayFeature.AgentGatewayOptions['breaker'],
    answer: (request: RpcRequestFrame) => object | null,
  ): Promise<{ rpc: gatewayFeature.AgentRpcClient; agentId: string }> {
    const root = agentGatewayTestModule(
      { databaseUrl: db.url, tokenEncryptionKeys: encryptionKey('k1'), poolSize: 2 },
      { breaker },
    );
    app = await NestFactory.createApplicationContext(root, { logger: false });
    await app.init();
    const ownerId = snowflake();
    const pool = await app.get(PoolsService).create(poolInput({ ownerId, maxAgents: 49 }), user(ownerId));
    await app.get(AgentRegistrationsService).register(agentInput(pool.id), user(ownerId));
    const { runnerId, secret } = await app.get(RunnersService).create({ capacity: 1 }, operator);
    const [agentId] = (await app.get(LeasesService).claim(runnerId, { capacity: 1, ttlSeconds: 600 })).held;
    client = await TestRunnerClient.authenticated(`ws://127.0.0.1:${app.get(AgentGateway).port}`, {
      runnerId,
      credential: secret,
    });
    client.onRpc(answer);
    client.announce([announcedAgent(agentId, [testSnowflake()])]);
    const registry = app.get(AgentRegistry);
    const deadline = Date.now() + 5_000;
    while (!registry.get(agentId)?.ready) {
      if (Date.now() > deadline) throw new Error('the agent did not come up');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { rpc: app.get(AgentRpcClient), agentId };
  }

  it('opens on the calls since the first transport failure: earlier successes do not dilute a now-failing agent', async () => {
    let silent = false;
    const { rpc, agentId } = await agentBehind(
      { volumeThreshold: 3, errorThresholdPercentage: 50, rollingWindowMs: 60_000, resetTimeoutMs: 60_000 },
      (request) => (silent ? null : statusResponse(request)),
    );
    for (let i = 0; i < 20; i += 1) await expect(rpc.call(agentId, 'status', {})).resolves.toBeDefined();
    expect(rpc.breakerState(agentId)).toBe('closed');

    silent = true;
    for (let i = 0; i < 3; i += 1) {
      expect((await rpcError(rpc.call(agentId, 'status', {}, { timeoutMs: 50 }))).code).toBe(
        ProtocolErrorCode.AgentTimeout,
      );
    }

    expect(rpc.breakerState(agentId)).toBe('open');
    expect((await rpcError(rpc.call(agentId, 'status', {}))).code).toBe(ProtocolErrorCode.CircuitOpen);
  });

  it('keeps a breaker closed while the calls after the first transport failure mostly succeed', async () => {
    let answered = 0;
    const { rpc, agentId } = await agentBehind(
      { volumeThreshold: 3, errorThresholdPercentage: 50, rollingWindowMs: 60_000, resetTimeoutMs: 60_000 },
      // Every fourth request goes unanswered.
      (request) => (++answered % 4 === 0 ? null : statusResponse(request)),
    );
    const outcomes: (ProtocolErrorCode | 'ok')[] = [];
    for (let i = 0; i < 16; i += 1) {
      const error = await rpcError(rpc.call(agentId, 'status', {}, { timeoutMs: 50 })).catch(() => null);
      outcomes.push(error?.code ?? 'ok');
    }

    expect(outcomes.filter((outcome) => outcome === ProtocolErrorCode.AgentTimeout)).toHaveLength(4);
    expect(outcomes).not.toContain(ProtocolErrorCode.CircuitOpen);
    expect(rpc.breakerState(agentId)).toBe('closed');
  });
});
