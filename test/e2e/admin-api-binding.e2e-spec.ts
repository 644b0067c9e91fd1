/* eslint-disable @typescript-eslint/no-explicit-any --
   response bodies are untyped JSON here; the admin API e2e spec checks them against the OpenAPI schemas. */
import { ApiKeyScope } from '@app/access';
import { listeningPort } from '@app/lifecycle';
import { type Actor, PoolVisibility } from '@app/pools';
import { fakeBotToken, snowflake } from '../utils/factories';
import { AgentGateway } from '@apps/controller';
import { AgentRegistry } from '@app/sessions';
import { TestRunnerClient } from '../support/runner-client';
import { createStack, type Stack, until } from './support/stack';

interface Reply {
  status: number;
  body: any;
}

const OPERATOR: Actor = { id: 'e2e-binding', operator: true };

/**
 * Issue 8, OWASP API1 (BOLA): API keys bound to a guild or a pool. Objects of another guild or
 * pool answer 404 NOT_FOUND (as if they did not exist), routes about neither answer 403
 * OUTSIDE_KEY_BINDING, and listings are filtered to the binding.
 */
describe('admin API keys bound to a guild or pool (issue 8, API1)', () => {
  let stack: Stack;
  let base: string;
  let adminKey: string;
  const guildA = snowflake();
  const guildB = snowflake();
  let poolA: string;
  let poolB: string;
  let privatePool: string;
  let agentA: string;
  let agentB: string;
  let guildKey: string;
  let poolKey: string;

  async function api(method: string, path: string, key: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 ? JSON.parse(text) : null };
  }

  /** The `items` of a page response. */
  function items(reply: Reply): Record<string, string | null>[] {
    return reply.body.items as Record<string, string | null>[];
  }

  function expectCode(reply: Reply, status: number, code: string): void {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  }

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    await stack.startController({ ADMIN_API_RATE_LIMIT: '100000', ADMIN_API_AUTH_FAILURE_LIMIT: '100000' });
    base = `http://127.0.0.1:${listeningPort(stack.controller!)}`;
    adminKey = (
      await stack.ctx.apiKeys.create({
        name: 'e2e binding admin',
        scopes: [ApiKeyScope.Admin],
        createdBy: 'e2e',
      })
    ).secret;
    const pools = await Promise.all(
      ['A', 'B'].map((name) =>
        stack.ctx.pools.create(
          { ownerId: snowflake(), name: `Binding pool ${name}`, visibility: PoolVisibility.Public },
          OPERATOR,
        ),
      ),
    );
    [poolA, poolB] = pools.map((pool) => pool.id);
    privatePool = (
      await stack.ctx.pools.create(
        { ownerId: snowflake(), name: 'Binding private pool', visibility: PoolVisibility.Private },
        OPERATOR,
      )
    ).id;
    const agents = await Promise.all(
      [poolA, poolB].map((poolId, i) =>
        stack.ctx.agents.register(
          { poolId, clientId: snowflake(), tag: `bound${i}`, token: fakeBotToken() },
          OPERATOR,
        ),
      ),
    );
    [agentA, agentB] = agents.map((registered) => registered.agent.agentId);
    for (const guildId of [guildA, guildB])
      await stack.ctx.guilds.upsert(guildId, { idleReleaseSeconds: 600 }, OPERATOR);
    for (const guildId of [guildA, guildB])
      await stack.ctx.dataSource.query(
        `INSERT INTO session_ledger (guild_id, channel_id, kind, event, occurred_at) VALUES ($1, $2, 'music', 'allocate', now())`,
        [guildId, snowflake()],
      );

    const guildCreated = await api('POST', '/api/v1/api-keys', adminKey, {
      name: 'guild bound',
      scopes: [ApiKeyScope.Admin],
      guildId: guildA,
    });
    expect(guildCreated.status).toBe(201);
    expect(guildCreated.body.apiKey).toMatchObject({ guildId: guildA, poolId: null });
    guildKey = guildCreated.body.key as string;
    const poolCreated = await api('POST', '/api/v1/api-keys', adminKey, {
      name: 'pool bound',
      scopes: [ApiKeyScope.Write],
      poolId: poolA,
    });
    expect(poolCreated.status).toBe(201);
    expect(poolCreated.body.apiKey).toMatchObject({ guildId: null, poolId: poolA });
    poolKey = poolCreated.body.key as string;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('refuses to bind a key to a pool that does not exist (404) or to a malformed guild id (400)', async () => {
    expectCode(
      await api('POST', '/api/v1/api-keys', adminKey, { name: 'x', scopes: ['read'], poolId: 'pool_nope' }),
      404,
      'POOL_NOT_FOUND',
    );
    expectCode(
      await api('POST', '/api/v1/api-keys', adminKey, { name: 'x', scopes: ['read'], guildId: '12' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  describe('a guild-bound key', () => {
    it('reads and changes its own guild settings (200)', async () => {
      const read = await api('GET', `/api/v1/guilds/${guildA}/settings`, guildKey);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ guildId: guildA, idleReleaseSeconds: 600 });
      const changed = await api('PATCH', `/api/v1/guilds/${guildA}/settings`, guildKey, {
        idleReleaseSeconds: 900,
      });
      expect(changed.status).toBe(200);
      expect(changed.body.idleReleaseSeconds).toBe(900);
    });

    it('gets 404 NOT_FOUND for another guild, exactly as for an unknown object', async () => {
      expectCode(await api('GET', `/api/v1/guilds/${guildB}/settings`, guildKey), 404, 'NOT_FOUND');
      expectCode(
        await api('PATCH', `/api/v1/guilds/${guildB}/settings`, guildKey, { idleReleaseSeconds: 900 }),
        404,
        'NOT_FOUND',
      );
      expect((await stack.ctx.guilds.get(guildB)).idleReleaseSeconds).toBe(600);
      expectCode(await api('GET', `/api/v1/ledger?guildId=${guildB}`, guildKey), 404, 'NOT_FOUND');
      expectCode(await api('GET', `/api/v1/sessions?guildId=${guildB}`, guildKey), 404, 'NOT_FOUND');
      expectCode(await api('GET', `/api/v1/live/agents?guildId=${guildB}`, guildKey), 404, 'NOT_FOUND');
      expectCode(
        await api('POST', '/api/v1/deployments', guildKey, {
          guildId: guildB,
          poolId: poolA,
          desiredTotal: 1,
        }),
        404,
        'NOT_FOUND',
      );
      expectCode(
        await api('DELETE', '/api/v1/sessions/00000000-0000-4000-8000-000000000000', guildKey),
        404,
        'NOT_FOUND',
      );
    });

    it('uses public pools but not private ones it is not bound to (deploy, selected pool)', async () => {
      const selected = await api('PATCH', `/api/v1/guilds/${guildA}/settings`, guildKey, {
        selectedPoolId: poolB,
      });
      expect(selected.status).toBe(200);
      expect(selected.body.selectedPoolId).toBe(poolB);
      expectCode(
        await api('PATCH', `/api/v1/guilds/${guildA}/settings`, guildKey, { selectedPoolId: privatePool }),
        404,
        'POOL_NOT_FOUND',
      );
      expect((await stack.ctx.guilds.get(guildA)).selectedPoolId).toBe(poolB);
      expectCode(
        await api('POST', '/api/v1/deployments', guildKey, {
          guildId: guildA,
          poolId: privatePool,
          desiredTotal: 1,
        }),
        404,
        'POOL_NOT_FOUND',
      );
      const unbound = await api('PATCH', `/api/v1/guilds/${guildB}/settings`, adminKey, {
        selectedPoolId: privatePool,
      });
      expect(unbound.status).toBe(200);
    });

    it('sees listings filtered to its guild (ledger, audit events, sessions)', async () => {
      const ledger = await api('GET', '/api/v1/ledger', guildKey);
      expect(ledger.status).toBe(200);
      expect(ledger.body.items.length).toBeGreaterThanOrEqual(1);
      expect(new Set(items(ledger).map((row) => row.guildId))).toEqual(new Set([guildA]));
      const everything = await api('GET', '/api/v1/ledger', adminKey);
      expect(new Set(items(everything).map((row) => row.guildId))).toEqual(new Set([guildA, guildB]));

      const audit = await api('GET', '/api/v1/audit-events', guildKey);
      expect(audit.status).toBe(200);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
      expect(new Set(items(audit).map((event) => `${event.targetType}:${event.targetId}`))).toEqual(
        new Set([`guild:${guildA}`]),
      );

      const sessions = await api('GET', '/api/v1/sessions', guildKey);
      expect(sessions.status).toBe(200);
      expect(items(sessions).filter((session) => session.guildId !== guildA)).toEqual([]);
    });

    it('gets 403 OUTSIDE_KEY_BINDING on routes about no guild, even with the admin scope', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/pools'],
        ['GET', `/api/v1/pools/${poolA}`],
        ['GET', '/api/v1/agents'],
        ['GET', '/api/v1/runners'],
        ['GET', '/api/v1/api-keys'],
      ])
        expectCode(await api(method, path, guildKey), 403, 'OUTSIDE_KEY_BINDING');
      expectCode(
        await api('POST', '/api/v1/api-keys', guildKey, { name: 'escalate', scopes: ['admin'] }),
        403,
        'OUTSIDE_KEY_BINDING',
      );
    });
  });

  describe('a pool-bound key', () => {
    it('reads its own pool, members, contributions and agents (200)', async () => {
      const pool = await api('GET', `/api/v1/pools/${poolA}`, poolKey);
      expect(pool.status).toBe(200);
      expect(pool.body.id).toBe(poolA);
      expect((await api('GET', `/api/v1/pools/${poolA}/members`, poolKey)).status).toBe(200);
      expect((await api('GET', `/api/v1/pools/${poolA}/contributions`, poolKey)).status).toBe(200);
      const agent = await api('GET', `/api/v1/agents/${agentA}`, poolKey);
      expect(agent.status).toBe(200);
      expect(agent.body.poolId).toBe(poolA);
    });

    it('gets 404 NOT_FOUND for another pool and its agents, and changes nothing there', async () => {
      for (const path of [
        `/api/v1/pools/${poolB}`,
        `/api/v1/pools/${poolB}/members`,
        `/api/v1/pools/${poolB}/contributions`,
        `/api/v1/agents/${agentB}`,
        `/api/v1/agents/${agentB}/diagnose`,
        `/api/v1/agents?poolId=${poolB}`,
      ])
        expectCode(await api('GET', path, poolKey), 404, 'NOT_FOUND');
      expectCode(
        await api('PATCH', `/api/v1/pools/${poolB}`, poolKey, { visibility: 'private' }),
        404,
        'NOT_FOUND',
      );
      expectCode(await api('DELETE', `/api/v1/agents/${agentB}`, poolKey), 404, 'NOT_FOUND');
      expectCode(
        await api('POST', `/api/v1/agents/${agentA}/move`, poolKey, { poolId: poolB }),
        404,
        'NOT_FOUND',
      );
      expect((await stack.ctx.pools.get(poolB)).visibility).toBe(PoolVisibility.Public);
      expect((await stack.ctx.agents.get(agentB)).status).not.toBe('revoked');
      expect((await stack.ctx.agents.get(agentA)).poolId).toBe(poolA);
    });

    it('sees listings filtered to its pool (pools, agents, audit events)', async () => {
      const pools = await api('GET', '/api/v1/pools', poolKey);
      expect(pools.status).toBe(200);
      expect(items(pools).map((pool) => pool.id)).toEqual([poolA]);
      const agents = await api('GET', '/api/v1/agents', poolKey);
      expect(agents.status).toBe(200);
      expect(items(agents).map((agent) => agent.agentId)).toEqual([agentA]);
      const all = await api('GET', '/api/v1/agents', adminKey);
      expect(items(all).map((agent) => agent.agentId)).toEqual(expect.arrayContaining([agentA, agentB]));
      const audit = await api('GET', '/api/v1/audit-events', poolKey);
      expect(audit.status).toBe(200);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
      expect(new Set(items(audit).map((event) => `${event.targetType}:${event.targetId}`))).toEqual(
        new Set([`pool:${poolA}`]),
      );
    });

    it('gets 403 OUTSIDE_KEY_BINDING on guild routes and on creating pools', async () => {
      expectCode(await api('GET', `/api/v1/guilds/${guildA}/settings`, poolKey), 403, 'OUTSIDE_KEY_BINDING');
      expectCode(await api('GET', '/api/v1/ledger', poolKey), 403, 'OUTSIDE_KEY_BINDING');
      expectCode(
        await api('POST', '/api/v1/pools', poolKey, {
          ownerId: snowflake(),
          name: 'new',
          visibility: 'public',
        }),
        403,
        'OUTSIDE_KEY_BINDING',
      );
    });
  });

  describe('fixes after QA (issue 8)', () => {
    it('a guild-bound key sees live agents only with its own guild (no other guild ids or voice channels)', async () => {
      const { runnerId, secret } = stack.runnerCredential;
      const claim = await stack.ctx.leases.claim(runnerId, { capacity: 10, ttlSeconds: 600 });
      const agentId = stack.agentIds.find((id) => claim.held.includes(id))!;
      expect(agentId).toBeDefined();
      const gateway = stack.controller!.get(AgentGateway);
      const runner = await TestRunnerClient.authenticated(`ws://127.0.0.1:${gateway.port}`, {
        runnerId,
        credential: secret,
      });
      try {
        const clientId = agentId.replace(/^agent/, '');
        const voiceB = snowflake();
        runner.announce([
          {
            agentId,
            clientId,
            botUserId: clientId,
            ready: true,
            guilds: [
              { guildId: guildA, voiceChannelId: null },
              { guildId: guildB, voiceChannelId: voiceB },
            ],
          },
        ]);
        await until(() => stack.get(AgentRegistry).get(agentId)?.ready === true, 'the agent to be live');

        const bound = await api('GET', '/api/v1/live/agents', guildKey);
        expect(bound.status).toBe(200);
        expect(bound.body.items).toEqual([
          expect.objectContaining({ agentId, guildIds: [guildA], voiceChannels: [], sessions: 0 }),
        ]);
        expect(JSON.stringify(bound.body)).not.toContain(guildB);
        const operator = await api('GET', '/api/v1/live/agents', adminKey);
        expect(operator.body.items).toEqual([
          expect.objectContaining({
            agentId,
            guildIds: [guildA, guildB].sort(),
            voiceChannels: [{ guildId: guildB, voiceChannelId: voiceB }],
          }),
        ]);

        // The guild's session pins are audit events the guild-bound key sees (target: the agent).
        const pin = await api('POST', '/api/v1/sessions/assign', guildKey, {
          guildId: guildA,
          voiceChannelId: snowflake(),
          agentId,
          ttlSeconds: 60,
        });
        expect(pin.status).toBe(201);
        const audit = await api('GET', '/api/v1/audit-events?action=session.assign', guildKey);
        expect(audit.status).toBe(200);
        expect(items(audit)).toEqual([
          expect.objectContaining({ action: 'session.assign', targetType: 'agent', targetId: agentId }),
        ]);
      } finally {
        await runner.close();
      }
    });

    it('a key bound to a guild and a pool deploys into its guild from public pools and its pool, not private ones', async () => {
      const created = await api('POST', '/api/v1/api-keys', adminKey, {
        name: 'guild and pool bound',
        scopes: [ApiKeyScope.Write],
        guildId: guildA,
        poolId: poolA,
      });
      expect(created.status).toBe(201);
      const both = created.body.key as string;
      for (const poolId of [poolA, poolB]) {
        const planned = await api('POST', '/api/v1/deployments', both, {
          guildId: guildA,
          poolId,
          desiredTotal: 1,
        });
        expect(planned.status).toBe(201);
      }
      expectCode(
        await api('POST', '/api/v1/deployments', both, {
          guildId: guildA,
          poolId: privatePool,
          desiredTotal: 1,
        }),
        404,
        'POOL_NOT_FOUND',
      );
      expectCode(
        await api('POST', '/api/v1/deployments', both, { guildId: guildB, poolId: poolA, desiredTotal: 1 }),
        404,
        'NOT_FOUND',
      );
      // A key bound to a pool only deploys from that pool.
      expectCode(
        await api('POST', '/api/v1/deployments', poolKey, {
          guildId: guildA,
          poolId: poolB,
          desiredTotal: 1,
        }),
        404,
        'NOT_FOUND',
      );
    });
  });
});
