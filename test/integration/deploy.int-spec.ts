import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { getQueueToken } from '@nestjs/bullmq';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditService } from '@app/access';
import { DiscordSandbox } from '@app/sandbox';
import { ChopsticksMetrics, MetricsModule, sampleValue } from '@app/metrics';
import { AgentStatus, PoolsModule, PoolVisibility, type AgentRegistrationView } from '@app/pools';
import { AgentRegistry, SessionsModule } from '@app/sessions';
import {
  DEPLOY_INVITE_PERMISSIONS,
  DEPLOY_JOB_TARGET,
  DEPLOY_VERIFIED_ACTION,
  DEPLOY_VERIFY_QUEUE,
  DeployException,
  DeployExceptionCode,
  DeployModule,
  DeployPlanner,
  DeployUseCase,
  DeployVerificationProcessor,
  DeployVerificationQueue,
  type DeployPlanInput,
  type DeployVerifyJobData,
} from '@apps/controller';
import { Worker, type Job, type Queue } from 'bullmq';
import Redis from 'ioredis';
import { createPoolsTestContext, type PoolsTestContext } from '../utils/pools-context';
import { agentInput, encryptionKey, operator, poolInput, snowflake, user } from '../utils/factories';

const REDIS_URL = 'redis://127.0.0.1:6379';
const OAUTH_URL = 'https://discord.com/oauth2/authorize';
const DEPLOYMENTS = 'chopsticks_agent_deployments_total';

interface DeployApp {
  app: INestApplicationContext;
  prefix: string;
  planner: DeployPlanner;
  useCase: DeployUseCase;
  queue: DeployVerificationQueue;
  registry: AgentRegistry;
  metrics: ChopsticksMetrics;
  audit: AuditService;
  bullQueue: Queue;
  close(): Promise<void>;
}

/** Boots the real DeployModule (Postgres, Redis with a unique prefix, its BullMQ worker). */
async function bootDeploy(
  databaseUrl: string,
  keys: string,
  tuning: Partial<{
    oauthUrl: string;
    verifyWindowSeconds: number;
    verifyPollMs: number;
    verifyBackoffMs: number;
  }> = {},
): Promise<DeployApp> {
  const prefix = `test-deploy-${randomBytes(6).toString('hex')}`;
  const pools = PoolsModule.forRoot({
    databaseUrl,
    tokenEncryptionKeys: keys,
    poolSize: 4,
    applicationName: 'chopsticks-test-deploy',
  });
  const sessions = SessionsModule.forRoot({});
  @Module({
    imports: [
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      pools,
      sessions,
      DeployModule.forRoot({
        imports: [pools, sessions],
        options: {
          oauthUrl: tuning.oauthUrl ?? OAUTH_URL,
          verifyWindowSeconds: tuning.verifyWindowSeconds ?? 30,
          verifyPollMs: tuning.verifyPollMs ?? 50,
          verifyAttempts: 3,
          verifyBackoffMs: tuning.verifyBackoffMs ?? 50,
        },
        redis: { url: REDIS_URL, prefix },
      }),
    ],
  })
  class DeployTestRoot {}
  const app = await NestFactory.createApplicationContext(DeployTestRoot, {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  const bullQueue = app.get<Queue>(getQueueToken(DEPLOY_VERIFY_QUEUE), { strict: false });
  return {
    app,
    prefix,
    planner: app.get(DeployPlanner, { strict: false }),
    useCase: app.get(DeployUseCase, { strict: false }),
    queue: app.get(DeployVerificationQueue, { strict: false }),
    registry: app.get(AgentRegistry, { strict: false }),
    metrics: app.get(ChopsticksMetrics, { strict: false }),
    audit: app.get(AuditService, { strict: false }),
    bullQueue,
    close: async () => {
      await app.close();
      await deleteKeys(`${prefix}:*`);
    },
  };
}

/** Deletes this file's BullMQ keys (its own prefix) once the workers are closed. */
async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
}

/** Makes the registry report `agents` as live members of `guildId` (as a runner's announce does). */
function announceInGuild(registry: AgentRegistry, agents: AgentRegistrationView[], guildId: string): void {
  for (const agent of agents) {
    const live = registry.get(agent.agentId);
    registry.upsert({
      agentId: agent.agentId,
      runnerId: 'runner-test',
      connectionId: 'connection-test',
      clientId: agent.clientId,
      ready: true,
      guilds: [...(live?.guilds ?? []), guildId],
      poolId: agent.poolId,
    });
  }
}

async function deployments(metrics: ChopsticksMetrics, success: boolean): Promise<number> {
  return sampleValue(await metrics.appText(), DEPLOYMENTS, { success: String(success) }) ?? 0;
}

async function waitForState(
  queue: DeployVerificationQueue,
  jobId: string,
  states: string[],
): Promise<string> {
  for (let i = 0; i < 400; i += 1) {
    const { state } = await queue.status(jobId);
    if (states.includes(state)) return state;
    await sleep(25);
  }
  throw new Error(`job ${jobId} never reached ${states.join('/')}`);
}

describe(DeployPlanner.name, () => {
  let ctx: PoolsTestContext;
  let deploy: DeployApp;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    deploy = await bootDeploy(ctx.db.url, ctx.keys);
  });

  afterAll(async () => {
    await deploy?.close();
    await ctx?.close();
  });

  async function poolWithAgents(
    count: number,
    visibility = PoolVisibility.Private,
  ): Promise<{ ownerId: string; poolId: string; agents: AgentRegistrationView[] }> {
    const ownerId = snowflake();
    const pool = await ctx.pools.create(
      { ...poolInput({ ownerId, maxAgents: 49 }), visibility },
      user(ownerId),
    );
    const agents: AgentRegistrationView[] = [];
    for (let i = 0; i < count; i += 1) {
      agents.push((await ctx.agents.register(agentInput(pool.id), operator)).agent);
    }
    return { ownerId, poolId: pool.id, agents };
  }

  it('D1: a desired total of 50 is refused naming the 49 limit, and no invite is produced', async () => {
    const { ownerId, poolId } = await poolWithAgents(2);
    const guildId = snowflake();

    const attempt = deploy.useCase.execute({ guildId, poolId, desiredTotal: 50, actorUserId: ownerId });

    await expect(attempt).rejects.toThrow(DeployException);
    await expect(attempt).rejects.toMatchObject({
      code: DeployExceptionCode.DesiredTotalTooHigh,
      message: expect.stringContaining('49') as unknown,
    });
    expect(await deploy.bullQueue.getJobCounts()).toEqual(
      expect.objectContaining({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }),
    );
  });

  it('D2: 3 agents in the guild, desired 10, 20 usable registrations → exactly 7 invite URLs', async () => {
    const { ownerId, poolId, agents } = await poolWithAgents(20);
    const guildId = snowflake();
    announceInGuild(deploy.registry, agents.slice(0, 3), guildId);

    const sut = await deploy.planner.plan({ guildId, poolId, desiredTotal: 10, actorUserId: ownerId });

    expect(sut).toMatchObject({ desiredTotal: 10, present: 3, need: 7, shortfall: 0 });
    expect(sut.diagnostics).toEqual({ usable: 20, unusable: [] });
    expect(sut.invites).toHaveLength(7);
    const present = new Set(agents.slice(0, 3).map((agent) => agent.agentId));
    const clientIds = new Map(agents.map((agent) => [agent.agentId, agent.clientId]));
    for (const invite of sut.invites) {
      expect(present.has(invite.agentId)).toBe(false);
      expect(invite.clientId).toBe(clientIds.get(invite.agentId));
      expect(invite.url).toBe(
        `https://discord.com/oauth2/authorize?client_id=${invite.clientId}&scope=bot%20applications.commands&permissions=3165184`,
      );
      const url = new URL(invite.url);
      expect(url.searchParams.get('scope')).toBe('bot applications.commands');
      expect(BigInt(url.searchParams.get('permissions') ?? '0')).toBe(DEPLOY_INVITE_PERMISSIONS);
    }
    expect(new Set(sut.invites.map((invite) => invite.agentId)).size).toBe(7);
  });

  it('D2: agents of another pool already in the guild count toward its 49 — 40 from pool A, desired 49 from pool B → 9 invites', async () => {
    const poolA = await poolWithAgents(40);
    const poolB = await poolWithAgents(20);
    const guildId = snowflake();
    announceInGuild(deploy.registry, poolA.agents, guildId);

    const sut = await deploy.planner.plan({
      guildId,
      poolId: poolB.poolId,
      desiredTotal: 49,
      actorUserId: poolB.ownerId,
    });

    expect(sut).toMatchObject({ poolId: poolB.poolId, desiredTotal: 49, present: 40, need: 9, shortfall: 0 });
    expect(sut.diagnostics).toEqual({ usable: 20, unusable: [] });
    const poolBIds = new Set(poolB.agents.map((agent) => agent.agentId));
    expect(sut.invites).toHaveLength(9);
    expect(sut.invites.filter((invite) => !poolBIds.has(invite.agentId))).toEqual([]);
    expect(deploy.registry.agentIdsInGuild(guildId).size + sut.invites.length).toBe(49);
  });

  it('D3: active registrations whose tokens cannot be decrypted are unusable and need re-registration', async () => {
    const { ownerId, poolId, agents } = await poolWithAgents(3);
    const otherKeys = await bootDeploy(ctx.db.url, encryptionKey('k9'));
    try {
      const sut = await otherKeys.planner.plan({
        guildId: snowflake(),
        poolId,
        desiredTotal: 3,
        actorUserId: ownerId,
      });

      expect(sut.invites).toEqual([]);
      expect(sut.shortfall).toBe(3);
      expect(sut.diagnostics.usable).toBe(0);
      expect(sut.diagnostics.unusable).toHaveLength(3);
      for (const entry of sut.diagnostics.unusable) {
        expect(agents.map((agent) => agent.agentId)).toContain(entry.agentId);
        expect(entry.reason).toBe('undecryptable');
        expect(entry.action).toMatch(/re-registration/i);
      }
    } finally {
      await otherKeys.close();
    }
  });

  it('D3: suspended and failed registrations are reported with their reason', async () => {
    const { ownerId, poolId, agents } = await poolWithAgents(3);
    await ctx.agents.setStatus(agents[0].agentId, AgentStatus.Suspended, operator);
    await ctx.agents.setStatus(agents[1].agentId, AgentStatus.Failed, operator);

    const sut = await deploy.planner.plan({
      guildId: snowflake(),
      poolId,
      desiredTotal: 3,
      actorUserId: ownerId,
    });

    expect(sut.diagnostics.usable).toBe(1);
    expect(
      sut.diagnostics.unusable
        .map(({ agentId, reason }) => ({ agentId, reason }))
        .sort((a, b) => a.agentId.localeCompare(b.agentId)),
    ).toEqual(
      [
        { agentId: agents[0].agentId, reason: 'suspended' },
        { agentId: agents[1].agentId, reason: 'failed' },
      ].sort((a, b) => a.agentId.localeCompare(b.agentId)),
    );
    expect(sut.invites.map((invite) => invite.agentId)).toEqual([agents[2].agentId]);
  });

  it("D4: a non-member's deploy from someone else's private pool is refused; a public pool is allowed", async () => {
    const privatePool = await poolWithAgents(1, PoolVisibility.Private);
    const publicPool = await poolWithAgents(1, PoolVisibility.Public);
    const stranger = snowflake();
    const input = (poolId: string): DeployPlanInput => ({
      guildId: snowflake(),
      poolId,
      desiredTotal: 1,
      actorUserId: stranger,
    });

    await expect(deploy.useCase.execute(input(privatePool.poolId))).rejects.toMatchObject({
      code: DeployExceptionCode.PoolNotAccessible,
    });
    const allowed = await deploy.planner.plan(input(publicPool.poolId));
    expect(allowed.invites.map((invite) => invite.agentId)).toEqual([publicPool.agents[0].agentId]);
  });

  it('refuses malformed input at the boundary', async () => {
    await expect(
      deploy.planner.plan({
        guildId: 'not-a-guild',
        poolId: 'pool_1',
        desiredTotal: 1,
        actorUserId: snowflake(),
      }),
    ).rejects.toMatchObject({ code: DeployExceptionCode.InvalidInput });
    await expect(
      deploy.planner.plan({
        guildId: snowflake(),
        poolId: 'pool_1',
        desiredTotal: 2.5,
        actorUserId: snowflake(),
      }),
    ).rejects.toMatchObject({ code: DeployExceptionCode.InvalidInput });
  });

  it('two identical deploy intents make one verification job (deterministic job id)', async () => {
    const { ownerId, poolId } = await poolWithAgents(2);
    const guildId = snowflake();
    const input = { guildId, poolId, desiredTotal: 2, actorUserId: ownerId };

    const [first, second] = await Promise.all([deploy.useCase.execute(input), deploy.useCase.execute(input)]);

    expect(first.verification?.jobId).toBeDefined();
    expect(second.verification?.jobId).toBe(first.verification?.jobId);
    const jobs = await deploy.bullQueue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(
      jobs.filter((job) => job.data && (job.data as { guildId: string }).guildId === guildId),
    ).toHaveLength(1);
  });

  it('a job whose invited agents join completes and counts one success', async () => {
    const { ownerId, poolId, agents } = await poolWithAgents(2);
    const guildId = snowflake();
    const before = await deployments(deploy.metrics, true);

    const { verification } = await deploy.useCase.execute({
      guildId,
      poolId,
      desiredTotal: 2,
      actorUserId: ownerId,
    });
    announceInGuild(deploy.registry, agents, guildId);
    const jobId = verification?.jobId ?? '';

    expect(await waitForState(deploy.queue, jobId, ['completed', 'failed'])).toBe('completed');
    const status = await deploy.queue.status(jobId);
    expect(status.outcome).toMatchObject({ success: true, missing: [], recorded: true });
    expect(status.joined).toBe(2);
    expect(await deployments(deploy.metrics, true)).toBe(before + 1);
    const events = await deploy.audit.list({ targetType: DEPLOY_JOB_TARGET, targetId: jobId });
    expect(events.map((event) => [event.action, event.payload.success])).toEqual([
      [DEPLOY_VERIFIED_ACTION, true],
    ]);
  });
});

describe(DeployVerificationProcessor.name, () => {
  let ctx: PoolsTestContext;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
  });

  afterAll(async () => {
    await ctx?.close();
  });

  async function poolWithAgents(
    count: number,
  ): Promise<{ ownerId: string; poolId: string; agents: AgentRegistrationView[] }> {
    const ownerId = snowflake();
    const pool = await ctx.pools.create(poolInput({ ownerId, maxAgents: 49 }), user(ownerId));
    const agents: AgentRegistrationView[] = [];
    for (let i = 0; i < count; i += 1)
      agents.push((await ctx.agents.register(agentInput(pool.id), operator)).agent);
    return { ownerId, poolId: pool.id, agents };
  }

  it('D5: invited agents that never join within the window end the job failed and raise success="false"; a retried deploy is verified again', async () => {
    const deploy = await bootDeploy(ctx.db.url, ctx.keys, { verifyWindowSeconds: 1, verifyPollMs: 50 });
    try {
      const { ownerId, poolId } = await poolWithAgents(2);
      const before = await deployments(deploy.metrics, false);

      const guildId = snowflake();
      const { verification } = await deploy.useCase.execute({
        guildId,
        poolId,
        desiredTotal: 2,
        actorUserId: ownerId,
      });
      const jobId = verification?.jobId ?? '';

      expect(await waitForState(deploy.queue, jobId, ['completed', 'failed'])).toBe('failed');
      const status = await deploy.queue.status(jobId);
      expect(status.failedReason).toMatch(/did not join/);
      expect(status.attemptsMade).toBe(1);
      expect(await deployments(deploy.metrics, false)).toBe(before + 1);
      const events = await deploy.audit.list({ targetType: DEPLOY_JOB_TARGET, targetId: jobId });
      expect(events.map((event) => event.payload.success)).toEqual([false]);

      const retried = await deploy.useCase.execute({
        guildId,
        poolId,
        desiredTotal: 2,
        actorUserId: ownerId,
      });
      expect(retried.verification).toEqual({ jobId, created: true });
      expect(await waitForState(deploy.queue, jobId, ['completed', 'failed'])).toBe('failed');
      expect(await deployments(deploy.metrics, false)).toBe(before + 2);
    } finally {
      await deploy.close();
    }
  });

  it('B19: a worker that crashes after recording, before acknowledging, is retried by policy and the effect is applied once', async () => {
    const deploy = await bootDeploy(ctx.db.url, ctx.keys, { verifyBackoffMs: 20 });
    const processor = deploy.app.get(DeployVerificationProcessor, { strict: false });
    // The module's worker stops; a worker that runs the same processor but dies (throws) after
    // the first attempt's effect, before BullMQ learns the job finished, takes the queue over.
    await processor.worker.close();
    let crashes = 0;
    const crashing = new Worker<DeployVerifyJobData>(
      DEPLOY_VERIFY_QUEUE,
      async (job: Job<DeployVerifyJobData>) => {
        const outcome = await processor.process(job);
        if (job.attemptsMade === 0) {
          crashes += 1;
          throw new Error('worker crashed before acknowledging the job');
        }
        return outcome;
      },
      { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix: deploy.prefix },
    );
    try {
      const { ownerId, poolId, agents } = await poolWithAgents(2);
      const guildId = snowflake();
      const before = await deployments(deploy.metrics, true);

      const { verification } = await deploy.useCase.execute({
        guildId,
        poolId,
        desiredTotal: 2,
        actorUserId: ownerId,
      });
      announceInGuild(deploy.registry, agents, guildId);
      const jobId = verification?.jobId ?? '';

      expect(await waitForState(deploy.queue, jobId, ['completed', 'failed'])).toBe('completed');
      const status = await deploy.queue.status(jobId);
      expect(crashes).toBe(1);
      expect(status.attemptsMade).toBe(2);
      expect(status.outcome).toMatchObject({ success: true, recorded: false });
      expect(await deployments(deploy.metrics, true)).toBe(before + 1);
      const events = await deploy.audit.list({ targetType: DEPLOY_JOB_TARGET, targetId: jobId });
      expect(events).toHaveLength(1);
    } finally {
      await crashing.close();
      await deploy.close();
    }
  });
  it('B19: a worker that dies mid-job after recording (no acknowledgement, lock lost) is recovered as stalled and the effect is applied once', async () => {
    const deploy = await bootDeploy(ctx.db.url, ctx.keys);
    const processor = deploy.app.get(DeployVerificationProcessor, { strict: false });
    await processor.worker.close();
    const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
    let recordedByDying = false;
    // This worker records the outcome, then hangs forever and is force-closed: like a killed
    // process, it never acknowledges the job and stops renewing its lock.
    const dying = new Worker<DeployVerifyJobData>(
      DEPLOY_VERIFY_QUEUE,
      async (job: Job<DeployVerifyJobData>) => {
        await processor.process(job);
        recordedByDying = true;
        return new Promise<never>(() => undefined);
      },
      { connection, prefix: deploy.prefix, lockDuration: 500, skipStalledCheck: true },
    );
    let rescuer: Worker<DeployVerifyJobData> | undefined;
    try {
      const { ownerId, poolId, agents } = await poolWithAgents(2);
      const guildId = snowflake();
      const before = await deployments(deploy.metrics, true);
      const { verification } = await deploy.useCase.execute({
        guildId,
        poolId,
        desiredTotal: 2,
        actorUserId: ownerId,
      });
      announceInGuild(deploy.registry, agents, guildId);
      const jobId = verification?.jobId ?? '';
      for (let i = 0; i < 200 && !recordedByDying; i += 1) await sleep(25);
      expect(recordedByDying).toBe(true);
      await dying.close(true);
      // BullMQ throttles stalled-job checks queue-wide (the module's worker took the 30 s slot at
      // boot); drop that throttle key so the rescuer checks now instead of in 30 s.
      const redis = new Redis(REDIS_URL);
      try {
        expect(await redis.del(`${deploy.prefix}:${DEPLOY_VERIFY_QUEUE}:stalled-check`)).toBe(1);
      } finally {
        await redis.quit();
      }

      rescuer = new Worker<DeployVerifyJobData>(
        DEPLOY_VERIFY_QUEUE,
        async (job: Job<DeployVerifyJobData>) => processor.process(job),
        { connection, prefix: deploy.prefix, stalledInterval: 300, maxStalledCount: 1 },
      );

      expect(await waitForState(deploy.queue, jobId, ['completed', 'failed'])).toBe('completed');
      const status = await deploy.queue.status(jobId);
      expect(status.outcome).toMatchObject({ success: true, recorded: false });
      expect(await deployments(deploy.metrics, true)).toBe(before + 1);
      const events = await deploy.audit.list({ targetType: DEPLOY_JOB_TARGET, targetId: jobId });
      expect(events).toHaveLength(1);
    } finally {
      await dying.close(true);
      await rescuer?.close();
      await deploy.close();
    }
  });
});

describe(`${DeployPlanner.name} with the Discord sandbox`, () => {
  let ctx: PoolsTestContext;
  let sandbox: DiscordSandbox;
  let deploy: DeployApp;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sandbox = await DiscordSandbox.start();
    deploy = await bootDeploy(ctx.db.url, ctx.keys, { oauthUrl: sandbox.urls.oauth2 });
  });

  afterAll(async () => {
    await deploy?.close();
    await sandbox?.stop();
    await ctx?.close();
  });

  it("D2: each invite URL adds its agent to the guild through Discord's OAuth2 bot flow with the documented permissions", async () => {
    const { userId: adminId } = sandbox.control.createUser({ username: 'guildadmin' });
    const { guildId } = sandbox.control.createGuild({ name: 'Deploy guild', ownerId: adminId });
    const ownerId = snowflake();
    const pool = await ctx.pools.create(poolInput({ ownerId, maxAgents: 49 }), user(ownerId));
    const apps = [1, 2].map((i) => sandbox.control.createApplication({ name: `Agent ${i}` }));
    for (const app of apps) {
      await ctx.agents.register(agentInput(pool.id, { clientId: app.clientId, token: app.token }), operator);
    }

    const sut = await deploy.planner.plan({
      guildId,
      poolId: pool.id,
      desiredTotal: 2,
      actorUserId: ownerId,
    });

    expect(sut.invites.map((invite) => invite.clientId).sort()).toEqual(
      apps.map((app) => app.clientId).sort(),
    );
    for (const invite of sut.invites) {
      const app = apps.find((candidate) => candidate.clientId === invite.clientId);
      const consent = await fetch(`${invite.url}&guild_id=${guildId}&sandbox_user=${adminId}`);
      expect(consent.status).toBe(200);
      const headers = { authorization: `Bot ${app?.token ?? ''}` };
      const member = (await (
        await fetch(`${sandbox.urls.api}/v10/guilds/${guildId}/members/${app?.botUserId ?? ''}`, { headers })
      ).json()) as { roles: string[] };
      const roles = (await (
        await fetch(`${sandbox.urls.api}/v10/guilds/${guildId}/roles`, { headers })
      ).json()) as {
        id: string;
        permissions: string;
      }[];
      const granted = roles
        .filter((role) => member.roles.includes(role.id))
        .reduce((bits, role) => bits | BigInt(role.permissions), 0n);
      expect(granted).toBe(DEPLOY_INVITE_PERMISSIONS);
    }
  });
});
