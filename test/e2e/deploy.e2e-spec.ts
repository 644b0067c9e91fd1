import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChopsticksMetrics, sampleValue } from '@app/metrics';
import { DeployUseCase, DeployVerificationQueue } from '@apps/controller';
import { testConfig } from '../utils/test-config';
import { deleteRedisKeys } from './support/redis-keys';
import { createStack, type Stack } from './support/stack';

const DEPLOYMENTS = 'chopsticks_agent_deployments_total';

describe(`${DeployUseCase.name} (controller, runner and Discord sandbox)`, () => {
  const prefix = `test-deploy-e2e-${randomBytes(6).toString('hex')}`;
  let stack: Stack;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2 });
  });

  afterAll(async () => {
    await stack?.close();
    // The queue's keys live under this file's own prefix; remove them once the worker is closed.
    await deleteRedisKeys(prefix);
  });

  it('D2: an agent invited through its plan URL joins the guild; the verification job completes and success="true" rises', async () => {
    const { userId: adminId } = stack.discord.control.createUser({ username: 'guildadmin' });
    const guild = stack.discord.control.createGuild({
      name: 'Deploy guild',
      ownerId: adminId,
      members: [stack.controllerBot.botUserId, stack.agents[0].botUserId],
    });
    await stack.startController({
      REDIS_URL: testConfig.redisUrl,
      BULLMQ_PREFIX: prefix,
      DISCORD_OAUTH_URL: stack.discord.urls.oauth2,
      DEPLOY_VERIFY_POLL_MS: '100',
      DEPLOY_VERIFY_WINDOW_SECONDS: '60',
    });
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, 1);
    const metrics = stack.get(ChopsticksMetrics);
    const before = sampleValue(await metrics.appText(), DEPLOYMENTS, { success: 'true' }) ?? 0;

    const sut = await stack.get(DeployUseCase).execute({
      guildId: guild.guildId,
      poolId: stack.poolId,
      desiredTotal: 2,
      actorUserId: 'test-operator',
      operator: true,
    });

    expect(sut.plan).toMatchObject({ present: 1, need: 1 });
    expect(sut.plan.invites.map((invite) => invite.agentId)).toEqual([stack.agentIds[1]]);
    const jobId = sut.verification?.jobId ?? '';
    expect(jobId).not.toBe('');
    const consent = await fetch(
      `${sut.plan.invites[0].url}&guild_id=${guild.guildId}&sandbox_user=${adminId}`,
    );
    expect(consent.status).toBe(200);

    const queue = stack.get(DeployVerificationQueue);
    let state = '';
    for (let i = 0; i < 300 && state !== 'completed' && state !== 'failed'; i += 1) {
      state = (await queue.status(jobId)).state;
      if (state !== 'completed' && state !== 'failed') await sleep(100);
    }
    expect(state).toBe('completed');
    expect((await queue.status(jobId)).outcome).toMatchObject({ success: true, joined: [stack.agentIds[1]] });
    expect(sampleValue(await metrics.appText(), DEPLOYMENTS, { success: 'true' })).toBe(before + 1);
  });
});
