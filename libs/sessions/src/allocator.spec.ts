import { ProtocolErrorCode, type SessionReport } from '@app/protocol';
import {
  AgentRegistry,
  Allocator,
  type AllocationRequest,
  type AgentUpsert,
  ReleaseReason,
  SessionRegistry,
  SessionsErrorCode,
  SessionsException,
} from '@app/sessions';

/** Runs `action` and returns what it threw (fails the test when it does not throw). */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const G = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const VC1 = '200000000000000001';
const VC2 = '200000000000000002';
const VC3 = '200000000000000003';
const USER = '300000000000000001';

/** Voice channel id number `i` (distinct snowflake-like strings). */
const vc = (i: number) => String(200000000000001000n + BigInt(i));

describe(Allocator.name, () => {
  let now: number;
  let agents: AgentRegistry;
  let sessions: SessionRegistry;
  let sut: Allocator;

  function addAgent(agentId: string, overrides: Partial<AgentUpsert> = {}) {
    const result = agents.upsert({
      agentId,
      runnerId: 'runner-a',
      connectionId: 'conn-1',
      clientId: agentId.replace('agent', ''),
      ready: true,
      guilds: [G],
      poolId: 'pool_a',
      ...overrides,
    });
    if (!result.ok) throw new Error('fixture agent refused');
  }

  function request(overrides: Partial<AllocationRequest> = {}): AllocationRequest {
    return { guildId: G, voiceChannelId: VC1, kind: 'music', userId: USER, ...overrides };
  }

  beforeEach(() => {
    now = 10_000_000;
    const clock = () => now;
    agents = new AgentRegistry({ clock });
    sessions = new SessionRegistry(agents, { clock });
    sut = new Allocator(agents, sessions, { clock });
  });

  it('A1: binds one of two idle agents with kind music, and a repeat returns the same agent', () => {
    addAgent('agent1');
    addAgent('agent2');
    const first = sut.allocate(request());
    expect(first).toMatchObject({
      ok: true,
      reused: false,
      session: { kind: 'music', guildId: G, voiceChannelId: VC1 },
    });
    if (!first.ok) return;
    expect(sessions.isAgentBusyInGuild(first.agent.agentId, G)).toBe(true);
    expect(first.session.ownerUserId).toBe(USER);

    const repeat = sut.allocate(request());
    expect(repeat).toMatchObject({ ok: true, reused: true });
    if (!repeat.ok) return;
    expect(repeat.agent.agentId).toBe(first.agent.agentId);
    expect(repeat.session.sessionId).toBe(first.session.sessionId);
    expect(sessions.size).toBe(1);
  });

  it('A2: with no live agent in the guild, allocation fails with no-agents-in-guild', () => {
    addAgent('agent1', { guilds: [OTHER_GUILD] });
    expect(sut.allocate(request())).toEqual({
      ok: false,
      reason: ProtocolErrorCode.NoAgentsInGuild,
      busy: [],
    });
  });

  it('A3: with every agent of the guild busy, allocation fails with no-free-agents listing them', () => {
    addAgent('agent1');
    addAgent('agent2');
    expect(sut.allocate(request({ voiceChannelId: VC1 })).ok).toBe(true);
    expect(sut.allocate(request({ voiceChannelId: VC2 })).ok).toBe(true);
    const result = sut.allocate(request({ voiceChannelId: VC3 }));
    expect(result).toMatchObject({ ok: false, reason: ProtocolErrorCode.NoFreeAgents });
    if (result.ok) return;
    expect(result.busy).toEqual(
      expect.arrayContaining([
        { agentId: expect.any(String), voiceChannelId: VC1, kind: 'music' },
        { agentId: expect.any(String), voiceChannelId: VC2, kind: 'music' },
      ]),
    );
  });

  it('A4: an agent that is not ready, or not a member of the guild, is never selected', () => {
    addAgent('agent1', { ready: false });
    addAgent('agent2', { guilds: [OTHER_GUILD] });
    expect(sut.allocate(request())).toMatchObject({ ok: false, reason: ProtocolErrorCode.NoAgentsInGuild });
    addAgent('agent3');
    for (let i = 0; i < 5; i++) {
      const result = sut.allocate(request({ voiceChannelId: vc(i) }));
      if (i === 0) expect(result).toMatchObject({ ok: true, agent: { agentId: 'agent3' } });
      else expect(result).toMatchObject({ ok: false, reason: ProtocolErrorCode.NoFreeAgents });
    }
    // A pin does not bypass readiness or membership either.
    sut.assign(G, VC2, 'agent1');
    sut.assign(G, VC3, 'agent2');
    expect(sut.allocate(request({ voiceChannelId: VC2 }))).toMatchObject({ ok: false });
    expect(sut.allocate(request({ voiceChannelId: VC3 }))).toMatchObject({ ok: false });
    // Becoming ready makes it eligible.
    agents.update('agent1', 'conn-1', { kind: 'ready', ready: true });
    expect(sut.allocate(request({ voiceChannelId: VC2 }))).toMatchObject({
      ok: true,
      agent: { agentId: 'agent1' },
    });
  });

  it('A5: an idle agent pinned less than 5 minutes ago is chosen; an expired pin is ignored', () => {
    addAgent('agent1');
    addAgent('agent2');
    addAgent('agent3');
    const pin = sut.assign(G, VC1, 'agent3');
    expect(pin.expiresAt).toBe(now + 5 * 60_000);
    now += 4 * 60_000 + 59_000;
    expect(sut.allocate(request())).toMatchObject({ ok: true, pinned: true, agent: { agentId: 'agent3' } });

    sut.assign(G, VC2, 'agent2');
    now += 5 * 60_000;
    expect(sut.pinFor(G, VC2)).toBeUndefined();
    const unpinned = sut.allocate(request({ voiceChannelId: VC2 }));
    expect(unpinned).toMatchObject({ ok: true, pinned: false, agent: { agentId: 'agent1' } });
  });

  it('A5: a pinned agent that is busy in the guild falls back to another idle agent', () => {
    addAgent('agent1');
    addAgent('agent2');
    sut.assign(G, VC1, 'agent1');
    sut.assign(G, VC2, 'agent1');
    expect(sut.allocate(request({ voiceChannelId: VC1 }))).toMatchObject({ agent: { agentId: 'agent1' } });
    expect(sut.allocate(request({ voiceChannelId: VC2 }))).toMatchObject({
      ok: true,
      pinned: false,
      agent: { agentId: 'agent2' },
    });
    expect(sut.unassign(G, VC1)).toBe(true);
    expect(sut.unassign(G, VC1)).toBe(false);
    expect(thrownBy(() => sut.assign(G, VC1, 'agent1', 0))).toMatchObject({
      code: SessionsErrorCode.InvalidInput,
    });
  });

  it('A6: agentOffline returns the held sessions; the lookup then says agent-offline', () => {
    addAgent('agent1', { guilds: [G, OTHER_GUILD] });
    sut.allocate(request());
    sut.allocate(request({ guildId: OTHER_GUILD }));
    const offline = sut.agentOffline('agent1', 'conn-1');
    expect(offline?.agent.agentId).toBe('agent1');
    expect(offline?.sessions.map((session) => session.guildId).sort()).toEqual([G, OTHER_GUILD].sort());
    expect(sut.lookup({ guildId: G, voiceChannelId: VC1, kind: 'music' })).toMatchObject({
      ok: false,
      error: ProtocolErrorCode.AgentOffline,
      agentId: 'agent1',
    });
    expect(sut.allocate(request())).toMatchObject({ ok: false, reason: ProtocolErrorCode.NoAgentsInGuild });
  });

  it('an older connection going offline is a no-op for an agent owned by a newer connection', () => {
    addAgent('agent1');
    sut.allocate(request());
    addAgent('agent1', { connectionId: 'conn-2' });
    expect(sut.agentOffline('agent1', 'conn-1')).toBeUndefined();
    expect(sut.connectionClosed('conn-1')).toEqual([]);
    expect(sut.lookup({ guildId: G, voiceChannelId: VC1, kind: 'music' })).toMatchObject({ ok: true });
    const closed = sut.connectionClosed('conn-2', 'stale');
    expect(closed.map((entry) => entry.agent.agentId)).toEqual(['agent1']);
    expect(closed[0].sessions).toHaveLength(1);
  });

  it('A7: a released session leaves its agent idle, able to serve another channel', () => {
    addAgent('agent1');
    const first = sut.allocate(request({ voiceChannelId: VC1 }));
    expect(sut.allocate(request({ voiceChannelId: VC2 }))).toMatchObject({ ok: false });
    if (!first.ok) throw new Error('expected a session');
    expect(sut.release(first.session.sessionId, ReleaseReason.User)?.sessionId).toBe(first.session.sessionId);
    expect(sessions.isAgentBusyInGuild('agent1', G)).toBe(false);
    expect(sut.allocate(request({ voiceChannelId: VC2 }))).toMatchObject({
      ok: true,
      agent: { agentId: 'agent1' },
    });
  });

  it('A8: an assistant request with an idle agent available succeeds with exactly one session', () => {
    addAgent('agent1');
    addAgent('agent2');
    const result = sut.allocate(request({ kind: 'assistant' }));
    expect(result).toMatchObject({ ok: true, reused: false, session: { kind: 'assistant' } });
    expect(sut.allocate(request({ kind: 'assistant' }))).toMatchObject({ ok: true, reused: true });
    expect(sessions.size).toBe(1);
    expect(sessions.countByKind('assistant')).toBe(1);
    expect(sessions.countByKind('music')).toBe(0);
  });

  it('A9: 200 concurrent requests for 200 channels with 49 agents → 49 ok, 151 no-free-agents, none bound twice', async () => {
    for (let i = 1; i <= 49; i++) addAgent(`agent${i}`);
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await Promise.resolve();
        return sut.allocate(
          request({ voiceChannelId: vc(i), userId: String(300000000000000000n + BigInt(i)) }),
        );
      }),
    );
    const ok = results.filter((result) => result.ok);
    const failed = results.filter((result) => !result.ok);
    expect(ok).toHaveLength(49);
    expect(failed).toHaveLength(151);
    expect(failed.every((result) => !result.ok && result.reason === ProtocolErrorCode.NoFreeAgents)).toBe(
      true,
    );
    const boundAgents = ok.map((result) => (result.ok ? result.agent.agentId : ''));
    expect(new Set(boundAgents).size).toBe(49);
    expect(sessions.countInGuild(G)).toBe(49);
  });

  it('A9: interleaved allocations and releases never bind an agent twice at the same time', async () => {
    for (let i = 1; i <= 49; i++) addAgent(`agent${i}`);
    const bound = new Map<string, string>();
    let violations = 0;
    sessions.events.on('session.bound', ({ session }) => {
      if (bound.has(session.agentId)) violations++;
      bound.set(session.agentId, session.sessionId);
    });
    sessions.events.on('session.released', ({ session }) => {
      bound.delete(session.agentId);
    });
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const result = sut.allocate(request({ voiceChannelId: vc(i) }));
        if (result.ok && random() < 0.5) {
          await Promise.resolve();
          sut.release(result.session.sessionId, ReleaseReason.User);
        }
        return result.ok;
      }),
    );
    expect(violations).toBe(0);
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(49);
    expect(sessions.countInGuild(G)).toBeLessThanOrEqual(49);
    const agentsNow = sessions.byGuild(G).map((session) => session.agentId);
    expect(new Set(agentsNow).size).toBe(agentsNow.length);
  });

  it('never exceeds the per-guild session cap', () => {
    sut = new Allocator(agents, sessions, { clock: () => now, maxSessionsPerGuild: 2 });
    for (let i = 1; i <= 3; i++) addAgent(`agent${i}`);
    expect(sut.allocate(request({ voiceChannelId: vc(1) })).ok).toBe(true);
    expect(sut.allocate(request({ voiceChannelId: vc(2), kind: 'assistant' })).ok).toBe(true);
    expect(sut.allocate(request({ voiceChannelId: vc(3) }))).toMatchObject({
      ok: false,
      reason: ProtocolErrorCode.NoFreeAgents,
    });
  });

  it('prefers the guild’s selected pool, then falls back to other accessible pools', () => {
    addAgent('agent1', { poolId: 'pool_other' });
    addAgent('agent2', { poolId: 'pool_selected' });
    const first = sut.allocate(request({ voiceChannelId: VC1, preferredPoolId: 'pool_selected' }));
    expect(first).toMatchObject({
      ok: true,
      agent: { agentId: 'agent2' },
      session: { poolId: 'pool_selected' },
    });
    const second = sut.allocate(request({ voiceChannelId: VC2, preferredPoolId: 'pool_selected' }));
    expect(second).toMatchObject({ ok: true, agent: { agentId: 'agent1' } });
  });

  it('never chooses an agent from an inaccessible pool and says pool-not-accessible when none is left', () => {
    addAgent('agent1', { poolId: 'pool_private' });
    addAgent('agent2', { poolId: null });
    const accessiblePoolIds = new Set(['pool_public']);
    expect(sut.allocate(request({ accessiblePoolIds }))).toEqual({
      ok: false,
      reason: ProtocolErrorCode.PoolNotAccessible,
      busy: [],
    });
    addAgent('agent3', { poolId: 'pool_public' });
    expect(sut.allocate(request({ accessiblePoolIds }))).toMatchObject({
      ok: true,
      agent: { agentId: 'agent3' },
    });
  });

  it('chooses every idle agent of the selected pool before any agent of another pool, even a healthier one', () => {
    addAgent('agent1', { poolId: 'pool_public' });
    addAgent('agent2', { poolId: 'pool_selected' });
    addAgent('agent3', { poolId: 'pool_selected' });
    agents.recordRpc('agent2', { ok: false, transportFailure: true, latencyMs: 0 });
    const routing = {
      preferredPoolId: 'pool_selected',
      accessiblePoolIds: new Set(['pool_public', 'pool_selected']),
    };
    const chosen = [1, 2, 3].map((i) => {
      const result = sut.allocate(request({ voiceChannelId: vc(i), ...routing }));
      if (!result.ok) throw new Error(`expected a session, got ${result.reason}`);
      return result.agent.agentId;
    });
    expect(chosen).toEqual(['agent3', 'agent2', 'agent1']);
    expect(sut.allocate(request({ voiceChannelId: vc(4), ...routing }))).toMatchObject({
      ok: false,
      reason: ProtocolErrorCode.NoFreeAgents,
    });
  });

  it('rotates fairly among equally healthy agents of the selected pool', () => {
    addAgent('agent1', { poolId: 'pool_other' });
    addAgent('agent2', { poolId: 'pool_selected' });
    addAgent('agent3', { poolId: 'pool_selected' });
    const chosen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = sut.allocate(request({ voiceChannelId: vc(i), preferredPoolId: 'pool_selected' }));
      if (!result.ok) throw new Error('expected a session');
      chosen.push(result.agent.agentId);
      sut.release(result.session.sessionId, ReleaseReason.User);
    }
    expect(chosen.slice(0, 2).sort()).toEqual(['agent2', 'agent3']);
    expect(chosen.slice(2)).toEqual(chosen.slice(0, 2));
  });

  it('says no-free-agents, not pool-not-accessible, when the accessible agents are only busy', () => {
    addAgent('agent1', { poolId: 'pool_public' });
    addAgent('agent2', { poolId: 'pool_private' });
    const accessiblePoolIds = new Set(['pool_public']);
    expect(sut.allocate(request({ voiceChannelId: VC1, accessiblePoolIds }))).toMatchObject({
      ok: true,
      agent: { agentId: 'agent1' },
    });
    expect(sut.allocate(request({ voiceChannelId: VC2, accessiblePoolIds }))).toEqual({
      ok: false,
      reason: ProtocolErrorCode.NoFreeAgents,
      busy: [{ agentId: 'agent1', voiceChannelId: VC1, kind: 'music' }],
    });
  });

  it('A5: a pin never hands out an agent of a pool the guild may not use', () => {
    addAgent('agent1', { poolId: 'pool_private' });
    addAgent('agent2', { poolId: 'pool_public' });
    sut.assign(G, VC1, 'agent1');
    const accessiblePoolIds = new Set(['pool_public']);
    expect(sut.allocate(request({ accessiblePoolIds }))).toMatchObject({
      ok: true,
      pinned: false,
      agent: { agentId: 'agent2' },
    });
  });

  it('A5: a pinned agent outside the selected pool still wins over the selected pool', () => {
    addAgent('agent1', { poolId: 'pool_public' });
    addAgent('agent2', { poolId: 'pool_selected' });
    sut.assign(G, VC1, 'agent1');
    expect(
      sut.allocate(
        request({
          preferredPoolId: 'pool_selected',
          accessiblePoolIds: new Set(['pool_public', 'pool_selected']),
        }),
      ),
    ).toMatchObject({ ok: true, pinned: true, agent: { agentId: 'agent1' } });
  });

  it('chooses the healthiest idle agent', () => {
    addAgent('agent1');
    addAgent('agent2');
    addAgent('agent3');
    agents.recordRpc('agent1', { ok: false, transportFailure: true, latencyMs: 0 });
    agents.recordRpc('agent2', { ok: false, transportFailure: true, latencyMs: 0 });
    agents.recordRpc('agent2', { ok: false, transportFailure: true, latencyMs: 0 });
    expect(sut.allocate(request({ voiceChannelId: vc(1) }))).toMatchObject({ agent: { agentId: 'agent3' } });
    expect(sut.allocate(request({ voiceChannelId: vc(2) }))).toMatchObject({ agent: { agentId: 'agent1' } });
    expect(sut.allocate(request({ voiceChannelId: vc(3) }))).toMatchObject({ agent: { agentId: 'agent2' } });
  });

  it('rotates fairly among equally healthy agents (least recently allocated first)', () => {
    for (let i = 1; i <= 3; i++) addAgent(`agent${i}`);
    const chosen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = sut.allocate(request({ voiceChannelId: vc(i) }));
      if (!result.ok) throw new Error('expected a session');
      chosen.push(result.agent.agentId);
      sut.release(result.session.sessionId, ReleaseReason.User);
    }
    expect(chosen.slice(0, 3).sort()).toEqual(['agent1', 'agent2', 'agent3']);
    expect(chosen.slice(3)).toEqual(chosen.slice(0, 3));
  });

  it('only chooses agents whose negotiated capabilities include the kind (no-free-agents otherwise)', () => {
    addAgent('agent1', { kinds: new Set(['music']) });
    expect(sut.allocate(request({ kind: 'assistant' }))).toMatchObject({
      ok: false,
      reason: ProtocolErrorCode.NoFreeAgents,
    });
    addAgent('agent2', { kinds: null });
    expect(sut.allocate(request({ kind: 'assistant' }))).toMatchObject({
      ok: true,
      agent: { agentId: 'agent2' },
    });
  });

  it('A10: rebuilds the sessions an agent reports after a controller restart, and reports conflicts', () => {
    addAgent('agent1');
    addAgent('agent2');
    const reports: SessionReport[] = [
      {
        guildId: G,
        voiceChannelId: VC1,
        kind: 'music',
        textChannelId: '400000000000000001',
        ownerUserId: USER,
      },
    ];
    const restored = sut.restoreReported('agent1', reports);
    expect(restored.conflicts).toEqual([]);
    expect(restored.restored).toHaveLength(1);
    expect(sut.lookup({ guildId: G, voiceChannelId: VC1, kind: 'music' })).toMatchObject({
      ok: true,
      session: { agentId: 'agent1', ownerUserId: USER, textChannelId: '400000000000000001' },
    });
    expect(sut.restoreReported('agent1', reports)).toEqual({ restored: [], conflicts: [] });
    const clash = sut.restoreReported('agent2', reports);
    expect(clash.conflicts).toEqual([{ report: reports[0], code: SessionsErrorCode.SessionKeyTaken }]);
    expect(sut.restoreReported('agent9', reports).conflicts[0].code).toBe(SessionsErrorCode.AgentOffline);
  });

  it('keeps the registry invariant even if a caller binds directly', () => {
    addAgent('agent1');
    sut.allocate(request());
    expect(() =>
      sessions.bind({ guildId: G, voiceChannelId: VC2, kind: 'music', agentId: 'agent1' }),
    ).toThrow(SessionsException);
  });
});
