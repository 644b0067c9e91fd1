import { ChopsticksMetrics, sampleValue } from '@app/metrics';
import { AgentRegistry, ReleaseReason, SessionRegistry } from '@app/sessions';
import { FleetGauges } from './fleet-gauges';

const G1 = '100000000000000001';
const VC1 = '200000000000000001';

describe(FleetGauges.name, () => {
  let now: number;
  let agents: AgentRegistry;
  let sessions: SessionRegistry;
  let metrics: ChopsticksMetrics;
  let sut: FleetGauges;

  const value = async (name: string, labels: Record<string, string>) =>
    sampleValue(await metrics.appText(), name, labels);

  function addAgent(agentId: string, kinds: ('music' | 'assistant')[] | null = null) {
    agents.upsert({
      agentId,
      runnerId: 'r',
      connectionId: 'conn-1',
      clientId: agentId.slice(5),
      ready: true,
      guilds: [G1],
      kinds: kinds ? new Set(kinds) : null,
    });
  }

  beforeEach(() => {
    now = 1_000_000;
    const clock = () => now;
    agents = new AgentRegistry({ clock });
    sessions = new SessionRegistry(agents, { clock });
    metrics = new ChopsticksMetrics({ app: 'controller' });
    sut = new FleetGauges(agents, sessions, metrics);
  });

  afterEach(() => sut.onApplicationShutdown());

  it('O1: reports zeros for an empty fleet instead of leaving the gauges unset or NaN', async () => {
    sut.onApplicationBootstrap();

    for (const kind of ['overall', 'music', 'assistant'])
      expect(await value('chopsticks_pool_utilization_ratio', { kind })).toBe(0);
    for (const stat of ['min', 'max', 'avg'])
      expect(await value('chopsticks_agent_uptime_seconds', { stat })).toBe(0);
    expect(await value('chopsticks_sessions_active', { kind: 'music' })).toBe(0);
  });

  it('O1: follows sessions bound and released: active sessions and utilization by kind', async () => {
    addAgent('agent1');
    addAgent('agent2');
    addAgent('agent3', ['music']);
    addAgent('agent4', ['music']);
    sut.onApplicationBootstrap();

    sessions.bind({ guildId: G1, voiceChannelId: VC1, kind: 'music', agentId: 'agent1' });

    expect(await value('chopsticks_sessions_active', { kind: 'music' })).toBe(1);
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'overall' })).toBe(0.25);
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'music' })).toBe(0.25);
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'assistant' })).toBe(0);

    sessions.bind({ guildId: G1, voiceChannelId: VC1, kind: 'assistant', agentId: 'agent2' });

    expect(await value('chopsticks_sessions_active', { kind: 'assistant' })).toBe(1);
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'overall' })).toBe(0.5);
    // Only agent1 and agent2 can serve assistant sessions.
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'assistant' })).toBe(0.5);

    sessions.release({ guildId: G1, voiceChannelId: VC1, kind: 'music' }, ReleaseReason.User);

    expect(await value('chopsticks_sessions_active', { kind: 'music' })).toBe(0);
    expect(await value('chopsticks_pool_utilization_ratio', { kind: 'music' })).toBe(0);
  });

  it('O1: reports min, max and average seconds since the ready agents connected', async () => {
    addAgent('agent1');
    now += 30_000;
    addAgent('agent2');
    now += 10_000;

    sut.refresh(now);

    expect(await value('chopsticks_agent_uptime_seconds', { stat: 'min' })).toBe(10);
    expect(await value('chopsticks_agent_uptime_seconds', { stat: 'max' })).toBe(40);
    expect(await value('chopsticks_agent_uptime_seconds', { stat: 'avg' })).toBe(25);
  });
});
