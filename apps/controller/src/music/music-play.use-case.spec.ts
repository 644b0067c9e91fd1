import { ChopsticksMetrics, sampleValue } from '@app/metrics';
import { ProtocolErrorCode } from '@app/protocol';
import { AgentRegistry, Allocator, SessionRegistry } from '@app/sessions';
import { AgentRpcClient, AgentRpcException } from '../agent-gateway';
import { AgentConnectionTable } from '../agent-gateway/agent-connection.table';
import { resolveAgentGatewayOptions } from '../agent-gateway/agent-gateway.options';
import { MusicAllocationException, MusicErrorCode, MusicException } from './music.exception';
import { MusicPlayUseCase } from './music-play.use-case';

const GUILD = '100000000000000001';
const VC1 = '200000000000000001';
const VC2 = '200000000000000002';
const USER = '300000000000000001';

/**
 * The play use case with the real registries, allocator and RPC client. The agent is registered
 * but its runner connection is gone, so `music.play` fails the way it does in production when a
 * runner drops between allocation and the call (`agent-offline`).
 */
describe(MusicPlayUseCase.name, () => {
  let agents: AgentRegistry;
  let sessions: SessionRegistry;
  let metrics: ChopsticksMetrics;
  let sut: MusicPlayUseCase;

  beforeEach(() => {
    agents = new AgentRegistry();
    sessions = new SessionRegistry(agents);
    metrics = new ChopsticksMetrics({ app: 'controller', defaultMetrics: false });
    const rpc = new AgentRpcClient(
      agents,
      new AgentConnectionTable(),
      metrics,
      resolveAgentGatewayOptions({}),
    );
    sut = new MusicPlayUseCase(new Allocator(agents, sessions), rpc, metrics);
  });

  afterEach(() => metrics.onModuleDestroy());

  function addAgent(agentId: string): void {
    const result = agents.upsert({
      agentId,
      runnerId: 'runner-a',
      connectionId: 'conn-1',
      clientId: agentId.replace('agent', ''),
      botUserId: agentId.replace('agent', '9'),
      ready: true,
      guilds: [GUILD],
      poolId: 'pool_a',
    });
    if (!result.ok) throw new Error('fixture agent refused');
  }

  const command = (overrides: Partial<Parameters<MusicPlayUseCase['execute']>[0]> = {}) => ({
    guildId: GUILD,
    voiceChannelId: VC1,
    textChannelId: null,
    userId: USER,
    query: 'neon harbor',
    ...overrides,
  });

  it('refuses a query over 200 characters before allocating anything', async () => {
    addAgent('agent500000000000000001');

    await expect(sut.execute(command({ query: 'x'.repeat(201) }))).rejects.toEqual(
      new MusicException(MusicErrorCode.InvalidQuery, 'query length 201'),
    );
    await expect(sut.execute(command({ query: '   ' }))).rejects.toBeInstanceOf(MusicException);
    expect(sessions.size).toBe(0);
    expect(
      sampleValue(await metrics.appText(), 'chopsticks_session_allocations_total', {
        kind: 'music',
        outcome: 'ok',
      }),
    ).toBe(0);
  });

  it('A2: fails with no-agents-in-guild and counts the outcome', async () => {
    const error = await sut.execute(command()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MusicAllocationException);
    expect(error).toMatchObject({ reason: ProtocolErrorCode.NoAgentsInGuild, busy: [] });
    expect(
      sampleValue(await metrics.appText(), 'chopsticks_session_allocations_total', {
        kind: 'music',
        outcome: 'no-agents-in-guild',
      }),
    ).toBe(1);
  });

  it('A3: fails with no-free-agents listing the busy channel', async () => {
    addAgent('agent500000000000000001');
    sessions.bind({ guildId: GUILD, voiceChannelId: VC2, kind: 'music', agentId: 'agent500000000000000001' });

    const error = await sut.execute(command()).catch((e: unknown) => e);

    expect(error).toMatchObject({
      reason: ProtocolErrorCode.NoFreeAgents,
      busy: [{ agentId: 'agent500000000000000001', voiceChannelId: VC2, kind: 'music' }],
    });
  });

  it('A7: releases a newly bound session when the agent cannot play, so the agent is idle again', async () => {
    addAgent('agent500000000000000001');

    const error = await sut.execute(command()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AgentRpcException);
    expect(error).toMatchObject({ code: ProtocolErrorCode.AgentOffline, op: 'music.play' });
    expect(sessions.size).toBe(0);
    expect(sessions.isAgentBusyInGuild('agent500000000000000001', GUILD)).toBe(false);
  });

  it('keeps a reused session when queuing on its agent fails (agent.down releases it if the agent is gone)', async () => {
    addAgent('agent500000000000000001');
    const session = sessions.bind({
      guildId: GUILD,
      voiceChannelId: VC1,
      kind: 'music',
      agentId: 'agent500000000000000001',
    });

    await expect(sut.execute(command())).rejects.toBeInstanceOf(AgentRpcException);

    expect(sessions.get({ guildId: GUILD, voiceChannelId: VC1, kind: 'music' })).toBe(session);
  });
});
