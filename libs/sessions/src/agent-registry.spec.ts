import { Logger } from '@nestjs/common';
import { AgentRegistry, type AgentUpsert, type AgentRegistryEvents } from '@app/sessions';

const G1 = '100000000000000001';
const G2 = '100000000000000002';
const VC = '200000000000000001';

function agentInput(overrides: Partial<AgentUpsert> = {}): AgentUpsert {
  return {
    agentId: 'agent1',
    runnerId: 'runner-a',
    connectionId: 'conn-1',
    clientId: '1',
    ready: true,
    guilds: [G1],
    poolId: 'pool_owner',
    ...overrides,
  };
}

describe(AgentRegistry.name, () => {
  let now: number;
  let sut: AgentRegistry;

  beforeEach(() => {
    now = 1_000_000;
    sut = new AgentRegistry({ clock: () => now });
  });

  it('registers an agent with its guilds, readiness and pool, indexed by guild', () => {
    const result = sut.upsert(agentInput({ guilds: [G1, { guildId: G2, voiceChannelId: VC }] }));
    expect(result).toMatchObject({ ok: true, created: true, replacedConnectionId: null });
    const agent = sut.get('agent1')!;
    expect([...agent.guilds]).toEqual([G1, G2]);
    expect(agent.voiceChannels.get(G2)).toBe(VC);
    expect(agent.poolId).toBe('pool_owner');
    expect(agent.botUserId).toBe('1');
    expect([...sut.agentIdsInGuild(G1)]).toEqual(['agent1']);
    expect([...sut.agentIdsInGuild(G2)]).toEqual(['agent1']);
    expect(sut.size).toBe(1);
    expect(sut.readyCount).toBe(1);
  });

  it('re-announce from the same connection updates guilds and emits guild-left for dropped guilds', () => {
    sut.upsert(agentInput({ guilds: [G1, G2] }));
    const left: string[] = [];
    sut.events.on('agent.guild-left', ({ guildId }) => left.push(guildId));
    const result = sut.upsert(agentInput({ guilds: [G2], ready: false }));
    expect(result).toMatchObject({ ok: true, created: false, replacedConnectionId: null });
    expect(left).toEqual([G1]);
    expect(sut.agentIdsInGuild(G1).size).toBe(0);
    expect([...sut.agentIdsInGuild(G2)]).toEqual(['agent1']);
    expect(sut.readyCount).toBe(0);
  });

  describe('ownership-safe replacement (SPEC §4)', () => {
    it('a newer connection takes the agent over and the older connection can no longer remove it', () => {
      sut.upsert(agentInput({ connectionId: 'old' }));
      const up: AgentRegistryEvents['agent.up'][] = [];
      const down: AgentRegistryEvents['agent.down'][] = [];
      sut.events.on('agent.up', (event) => up.push(event));
      sut.events.on('agent.down', (event) => down.push(event));

      const takeover = sut.upsert(agentInput({ connectionId: 'new', runnerId: 'runner-b' }));
      expect(takeover).toMatchObject({ ok: true, replacedConnectionId: 'old' });
      expect(up).toHaveLength(1);

      expect(sut.remove('agent1', 'old')).toBeUndefined();
      expect(sut.removeConnection('old')).toEqual([]);
      expect(sut.get('agent1')).toMatchObject({ connectionId: 'new', runnerId: 'runner-b' });
      expect(down).toHaveLength(0);
      expect([...sut.agentIdsOfConnection('new')]).toEqual(['agent1']);
      expect(sut.agentIdsOfConnection('old').size).toBe(0);
    });

    it('the older connection can neither update nor re-take the agent afterwards', () => {
      sut.upsert(agentInput({ connectionId: 'old' }));
      sut.upsert(agentInput({ connectionId: 'new' }));
      expect(sut.update('agent1', 'old', { kind: 'ready', ready: false })).toBe(false);
      expect(sut.update('agent1', 'old', { kind: 'guild.leave', guildId: G1 })).toBe(false);
      expect(sut.upsert(agentInput({ connectionId: 'old', guilds: [] }))).toEqual({
        ok: false,
        reason: 'stale-connection',
      });
      expect(sut.get('agent1')).toMatchObject({ connectionId: 'new', ready: true });
      expect(sut.agentIdsInGuild(G1).has('agent1')).toBe(true);
    });

    it('the owning connection removes the agent and emits agent.down once', () => {
      sut.upsert(agentInput({ connectionId: 'c1' }));
      const reasons: string[] = [];
      sut.events.on('agent.down', ({ reason }) => reasons.push(reason));
      expect(sut.remove('agent1', 'c1', 'gone')).toMatchObject({ agentId: 'agent1' });
      expect(sut.remove('agent1', 'c1', 'gone')).toBeUndefined();
      expect(reasons).toEqual(['gone']);
      expect(sut.size).toBe(0);
      expect(sut.readyCount).toBe(0);
      expect(sut.agentIdsInGuild(G1).size).toBe(0);
    });

    it('removeConnection removes only the agents that connection still owns', () => {
      sut.upsert(agentInput({ agentId: 'agent1', connectionId: 'c1' }));
      sut.upsert(agentInput({ agentId: 'agent2', clientId: '2', connectionId: 'c1' }));
      sut.upsert(agentInput({ agentId: 'agent2', clientId: '2', connectionId: 'c2' }));
      const removed = sut.removeConnection('c1', 'stale');
      expect(removed.map((agent) => agent.agentId)).toEqual(['agent1']);
      expect(sut.get('agent2')).toMatchObject({ connectionId: 'c2' });
    });
  });

  it('applies agent.update changes from the owner', () => {
    sut.upsert(agentInput());
    expect(sut.update('agent1', 'conn-1', { kind: 'ready', ready: false })).toBe(true);
    expect(sut.readyCount).toBe(0);
    sut.update('agent1', 'conn-1', { kind: 'guild.join', guild: { guildId: G2, voiceChannelId: VC } });
    expect(sut.agentIdsInGuild(G2).has('agent1')).toBe(true);
    expect(sut.get('agent1')!.voiceChannels.get(G2)).toBe(VC);
    sut.update('agent1', 'conn-1', { kind: 'voice.moved', guildId: G2, voiceChannelId: null });
    expect(sut.get('agent1')!.voiceChannels.has(G2)).toBe(false);
    sut.update('agent1', 'conn-1', { kind: 'guild.join', guild: { guildId: G2, voiceChannelId: VC } });
    sut.update('agent1', 'conn-1', { kind: 'guild.join', guild: { guildId: G2, voiceChannelId: null } });
    expect(sut.get('agent1')!.voiceChannels.has(G2)).toBe(false);

    const left: string[] = [];
    sut.events.on('agent.guild-left', ({ guildId }) => left.push(guildId));
    sut.update('agent1', 'conn-1', { kind: 'guild.leave', guildId: G2 });
    expect(left).toEqual([G2]);
    expect(sut.agentIdsInGuild(G2).size).toBe(0);
    expect(sut.update('unknown', 'conn-1', { kind: 'ready', ready: true })).toBe(false);
  });

  describe('health', () => {
    it('R2: a transport failure (timeout) drops the health score; it recovers as it decays', () => {
      sut.upsert(agentInput());
      expect(sut.healthScore('agent1')).toBe(100);
      sut.recordRpc('agent1', { ok: false, transportFailure: true, latencyMs: 10_000 });
      expect(sut.healthScore('agent1')).toBe(80);
      sut.recordRpc('agent1', { ok: false, transportFailure: true, latencyMs: 10_000 });
      expect(sut.healthScore('agent1')).toBe(60);
      now += 60_000; // one half-life: 2 → 1
      expect(sut.healthScore('agent1')).toBe(80);
      now += 10 * 60_000;
      expect(sut.healthScore('agent1')).toBe(100);
      expect(sut.get('agent1')!.health.transportFailures).toBe(2);
    });

    it('a domain error never lowers the score; a success records latency', () => {
      sut.upsert(agentInput());
      sut.recordRpc('agent1', { ok: false, transportFailure: false, latencyMs: 5 });
      expect(sut.healthScore('agent1')).toBe(100);
      sut.recordRpc('agent1', { ok: true, transportFailure: false, latencyMs: 10 });
      sut.recordRpc('agent1', { ok: true, transportFailure: false, latencyMs: 20 });
      expect(sut.get('agent1')!.health.rpcLatencyMs).toBeCloseTo(12);
    });

    it('records ping/pong RTT for every agent of the connection; high RTT costs points', () => {
      sut.upsert(agentInput({ agentId: 'agent1' }));
      sut.upsert(agentInput({ agentId: 'agent2', clientId: '2' }));
      now += 5_000;
      sut.recordRtt('conn-1', 350);
      expect(sut.get('agent1')!.health).toMatchObject({ rttMs: 350, lastSeenAt: now });
      expect(sut.healthScore('agent2')).toBe(85);
      expect(sut.healthScore('missing')).toBeUndefined();
    });
  });

  it('keeps working when an event listener throws', () => {
    sut.events.on('agent.up', () => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    sut.events.on('agent.up', ({ agent }) => seen.push(agent.agentId));
    const logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      expect(sut.upsert(agentInput()).ok).toBe(true);
      expect(seen).toEqual(['agent1']);
      expect(sut.get('agent1')).toBeDefined();
      expect(logError).toHaveBeenCalledWith(expect.stringContaining('listener bug'), expect.any(String));
    } finally {
      logError.mockRestore();
    }
  });

  it('unsubscribes listeners', () => {
    const seen: string[] = [];
    const off = sut.events.on('agent.up', ({ agent }) => seen.push(agent.agentId));
    off();
    sut.upsert(agentInput());
    expect(seen).toEqual([]);
  });

  it('voice.moved emits agent.voice-moved with the channel left (as reported, else as known)', () => {
    const VC2 = '200000000000000002';
    const seen: { to: string | null; from: string | null }[] = [];
    sut.events.on('agent.voice-moved', ({ voiceChannelId, fromVoiceChannelId }) =>
      seen.push({ to: voiceChannelId, from: fromVoiceChannelId }),
    );
    sut.upsert(agentInput());
    sut.update('agent1', 'conn-1', { kind: 'voice.moved', guildId: G1, voiceChannelId: VC });
    sut.update('agent1', 'conn-1', { kind: 'voice.moved', guildId: G1, voiceChannelId: VC2 });
    sut.update('agent1', 'conn-1', { kind: 'voice.moved', guildId: G1, voiceChannelId: VC2 });
    sut.update('agent1', 'conn-1', {
      kind: 'voice.moved',
      guildId: G1,
      voiceChannelId: null,
      fromVoiceChannelId: VC2,
    });
    expect(seen).toEqual([
      { to: VC, from: null },
      { to: VC2, from: VC },
      { to: null, from: VC2 },
    ]);
  });
});
