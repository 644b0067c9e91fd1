import type { LiveAgent, LiveSession } from '../controller-api/controller-api.schemas';
import { agentsInGuilds, summarize } from './live-state.service';

const agent = (id: string, overrides: Partial<LiveAgent> = {}): LiveAgent => ({
  agentId: id,
  tag: null,
  runnerId: 'runner-1',
  clientId: id.replace('agent', ''),
  botUserId: id.replace('agent', ''),
  ready: true,
  poolId: 'pool_1',
  poolName: null,
  kinds: null,
  guildIds: ['100000000000000001'],
  sessions: 0,
  healthScore: 1,
  connectedAt: '2026-11-29T10:00:00.000Z',
  ...overrides,
});

const session = (id: string, agentId: string, kind: 'music' | 'assistant'): LiveSession => ({
  kind,
  sessionId: id,
  agentId,
  guildId: '100000000000000001',
  voiceChannelId: '200000000000000001',
  ownerUserId: null,
  poolId: 'pool_1',
  createdAt: `2026-11-29T10:0${id.length}:00.000Z`,
  lastActivityAt: '2026-11-29T10:05:00.000Z',
  humans: 1,
});

describe(summarize.name, () => {
  it('counts connected, ready and busy agents and computes utilization like chopsticks_pool_utilization_ratio', () => {
    const agents = [
      agent('agent1', { sessions: 1 }),
      agent('agent2', { sessions: 1, kinds: ['assistant'] }),
      agent('agent3', { kinds: ['music'] }),
      agent('agent4', { ready: false }),
    ];
    const sut = summarize(
      1,
      agents,
      [session('s1', 'agent1', 'music'), session('s22', 'agent2', 'assistant')],
      () => 'Guild',
    );
    expect(sut.agents).toEqual({ connected: 4, ready: 3, busy: 2 });
    // overall: 2 busy of 3 ready; music: 1 busy of 2 able (agent1 all kinds, agent3 music);
    // assistant: 1 busy of 2 able (agent1, agent2).
    expect(sut.utilization).toEqual({ overall: 2 / 3, music: 1 / 2, assistant: 1 / 2 });
    expect(sut.sessions.map((row) => [row.sessionId, row.guildName])).toEqual([
      ['s1', 'Guild'],
      ['s22', 'Guild'],
    ]);
  });

  it('reports zero utilization when no agent is ready', () => {
    const sut = summarize(1, [agent('agent1', { ready: false })], [], (id) => id);
    expect(sut.utilization).toEqual({ overall: 0, music: 0, assistant: 0 });
    expect(sut.agents).toEqual({ connected: 1, ready: 0, busy: 0 });
  });
});

describe(agentsInGuilds.name, () => {
  it("counts only the visible guilds' sessions, so an agent busy elsewhere shows 0 (ready, not busy)", () => {
    const mine = '100000000000000001';
    const theirs = '100000000000000002';
    const agents = [
      agent('agent1', { guildIds: [mine, theirs], sessions: 2 }),
      agent('agent2', { guildIds: [mine], sessions: 1 }),
      agent('agent3', { guildIds: [theirs], sessions: 1 }),
    ];
    const sessions = [
      { ...session('s1', 'agent1', 'music'), guildId: theirs },
      { ...session('s2', 'agent1', 'assistant'), guildId: theirs },
      { ...session('s3', 'agent2', 'music'), guildId: mine },
      { ...session('s4', 'agent3', 'music'), guildId: theirs },
    ];
    const sut = agentsInGuilds(agents, sessions, (id) => id === mine);
    expect(sut.map((row) => [row.agentId, row.sessions])).toEqual([
      ['agent1', 0],
      ['agent2', 1],
    ]);
  });
});
