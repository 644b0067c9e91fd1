import { ProtocolErrorCode } from '@app/protocol';
import {
  AgentRegistry,
  ReleaseReason,
  SessionRegistry,
  SessionsErrorCode,
  SessionsException,
  type SessionBind,
  type SessionRegistryEvents,
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

const G1 = '100000000000000001';
const G2 = '100000000000000002';
const VC1 = '200000000000000001';
const VC2 = '200000000000000002';
const USER = '300000000000000001';

describe(SessionRegistry.name, () => {
  let now: number;
  let agents: AgentRegistry;
  let sut: SessionRegistry;

  function addAgent(agentId: string, guilds: string[] = [G1, G2], connectionId = 'conn-1') {
    agents.upsert({ agentId, runnerId: 'r', connectionId, clientId: agentId.slice(5), ready: true, guilds });
  }

  function bindInput(overrides: Partial<SessionBind> = {}): SessionBind {
    return {
      guildId: G1,
      voiceChannelId: VC1,
      kind: 'music',
      agentId: 'agent1',
      ownerUserId: USER,
      ...overrides,
    };
  }

  beforeEach(() => {
    now = 5_000_000;
    const clock = () => now;
    agents = new AgentRegistry({ clock });
    sut = new SessionRegistry(agents, { clock, tombstoneTtlMs: 60_000 });
    addAgent('agent1');
    addAgent('agent2');
  });

  it('binds a session and finds it by key, id, agent and guild', () => {
    const session = sut.bind(bindInput({ textChannelId: '400000000000000001', poolId: 'pool_x' }));
    expect(session).toMatchObject({
      agentId: 'agent1',
      kind: 'music',
      guildId: G1,
      voiceChannelId: VC1,
      textChannelId: '400000000000000001',
      ownerUserId: USER,
      poolId: 'pool_x',
      createdAt: now,
      lastActivityAt: now,
    });
    expect(sut.get({ guildId: G1, voiceChannelId: VC1, kind: 'music' })).toBe(session);
    expect(sut.get({ guildId: G1, voiceChannelId: VC1, kind: 'assistant' })).toBeUndefined();
    expect(sut.getById(session.sessionId)).toBe(session);
    expect(sut.byAgentId('agent1')).toEqual([session]);
    expect(sut.byGuild(G1)).toEqual([session]);
    expect(sut.agentSessionInGuild('agent1', G1)).toBe(session);
    expect(sut.isAgentBusyInGuild('agent1', G2)).toBe(false);
    expect(sut.countInGuild(G1)).toBe(1);
    expect(sut.countByKind('music')).toBe(1);
  });

  it('an agent holds at most one session per guild but may serve several guilds', () => {
    sut.bind(bindInput());
    expect(thrownBy(() => sut.bind(bindInput({ voiceChannelId: VC2 })))).toMatchObject({
      code: SessionsErrorCode.AgentBusy,
    });
    expect(() => sut.bind(bindInput({ voiceChannelId: VC2, kind: 'assistant' }))).toThrow(SessionsException);
    const other = sut.bind(bindInput({ guildId: G2 }));
    expect(sut.byAgentId('agent1')).toHaveLength(2);
    expect(other.guildId).toBe(G2);
  });

  it('refuses a second session for the same key; the other kind on the same channel is a different key', () => {
    sut.bind(bindInput());
    expect(thrownBy(() => sut.bind(bindInput({ agentId: 'agent2' })))).toMatchObject({
      code: SessionsErrorCode.SessionKeyTaken,
    });
    const assistant = sut.bind(bindInput({ agentId: 'agent2', kind: 'assistant' }));
    expect(assistant.kind).toBe('assistant');
    expect(sut.countInGuild(G1)).toBe(2);
  });

  it('releases by key and by id, emitting the reason, and frees the agent in that guild', () => {
    const released: SessionRegistryEvents['session.released'][] = [];
    sut.events.on('session.released', (event) => released.push(event));
    const first = sut.bind(bindInput());
    expect(sut.release({ guildId: G1, voiceChannelId: VC1, kind: 'music' }, ReleaseReason.User)).toBe(first);
    expect(sut.isAgentBusyInGuild('agent1', G1)).toBe(false);
    const second = sut.bind(bindInput({ voiceChannelId: VC2 }));
    expect(sut.release(second.sessionId, ReleaseReason.Idle)).toBe(second);
    expect(sut.release(second.sessionId, ReleaseReason.Idle)).toBeUndefined();
    expect(released.map((event) => event.reason)).toEqual(['user', 'idle']);
    expect(sut.size).toBe(0);
    expect(sut.countByKind('music')).toBe(0);
    expect(sut.lookup({ guildId: G1, voiceChannelId: VC1, kind: 'music' })).toEqual({
      ok: false,
      error: ProtocolErrorCode.NoSession,
    });
  });

  it('A6: when the agent goes offline its sessions are released and a lookup learns agent-offline', () => {
    const key = { guildId: G1, voiceChannelId: VC1, kind: 'music' as const };
    sut.bind(bindInput());
    sut.bind(bindInput({ guildId: G2 }));
    agents.remove('agent1', 'conn-1', 'stale');
    expect(sut.get(key)).toBeUndefined();
    expect(sut.byAgentId('agent1')).toEqual([]);
    expect(sut.lookup(key)).toEqual({
      ok: false,
      error: ProtocolErrorCode.AgentOffline,
      agentId: 'agent1',
      endedAt: now,
    });
    now += 61_000;
    expect(sut.lookup(key)).toEqual({ ok: false, error: ProtocolErrorCode.NoSession });
  });

  it('A6: once failover binds the key again, the lookup returns the failover agent', () => {
    const key = { guildId: G1, voiceChannelId: VC1, kind: 'music' as const };
    sut.bind(bindInput());
    agents.remove('agent1', 'conn-1');
    sut.bind(bindInput({ agentId: 'agent2' }));
    expect(sut.lookup(key)).toMatchObject({ ok: true, session: { agentId: 'agent2' } });
  });

  it('an older connection closing does not release the sessions of the agent taken over by a newer one', () => {
    sut.bind(bindInput());
    addAgent('agent1', [G1, G2], 'conn-new');
    agents.removeConnection('conn-1');
    expect(sut.agentSessionInGuild('agent1', G1)).toBeDefined();
  });

  it('releases the session in a guild the agent left, and only that one', () => {
    sut.bind(bindInput());
    sut.bind(bindInput({ guildId: G2 }));
    agents.update('agent1', 'conn-1', { kind: 'guild.leave', guildId: G1 });
    expect(sut.agentSessionInGuild('agent1', G1)).toBeUndefined();
    expect(sut.agentSessionInGuild('agent1', G2)).toBeDefined();
    expect(sut.lookup({ guildId: G1, voiceChannelId: VC1, kind: 'music' })).toMatchObject({
      error: ProtocolErrorCode.AgentOffline,
    });
  });

  it('touch and setHumans update activity and the human count', () => {
    const session = sut.bind(bindInput());
    now += 1000;
    sut.touch(session.sessionId);
    sut.setHumans('agent1', G1, 0);
    expect(sut.getById(session.sessionId)).toMatchObject({ lastActivityAt: now, humans: 0 });
  });

  it('forgets the oldest tombstones beyond the cap', () => {
    const small = new SessionRegistry(agents, { clock: () => now, maxTombstones: 1 });
    small.bind(bindInput({ agentId: 'agent1' }));
    small.bind(bindInput({ agentId: 'agent2', voiceChannelId: VC2 }));
    agents.remove('agent1', 'conn-1');
    agents.remove('agent2', 'conn-1');
    expect(small.lookup({ guildId: G1, voiceChannelId: VC1, kind: 'music' }).ok).toBe(false);
    expect(small.lookup({ guildId: G1, voiceChannelId: VC1, kind: 'music' })).toMatchObject({
      error: ProtocolErrorCode.NoSession,
    });
    expect(small.lookup({ guildId: G1, voiceChannelId: VC2, kind: 'music' })).toMatchObject({
      error: ProtocolErrorCode.AgentOffline,
    });
  });

  it('move re-keys a session to another channel of its guild (same id), emits session.moved, and refuses a taken channel', () => {
    const moved: { sessionId: string; from: string }[] = [];
    sut.events.on('session.moved', ({ session, fromVoiceChannelId }) =>
      moved.push({ sessionId: session.sessionId, from: fromVoiceChannelId }),
    );
    const session = sut.bind(bindInput());
    now += 1_000;
    expect(sut.move(session.sessionId, VC2)).toBe(session);
    expect(sut.get({ guildId: G1, voiceChannelId: VC1, kind: 'music' })).toBeUndefined();
    expect(sut.get({ guildId: G1, voiceChannelId: VC2, kind: 'music' })).toBe(session);
    expect(sut.agentSessionInGuild('agent1', G1)).toMatchObject({ voiceChannelId: VC2, lastActivityAt: now });
    expect(moved).toEqual([{ sessionId: session.sessionId, from: VC1 }]);
    expect(sut.move(session.sessionId, VC2)).toBeUndefined();

    sut.bind(bindInput({ agentId: 'agent2', voiceChannelId: VC1 }));
    const error = thrownBy(() => sut.move(session.sessionId, VC1));
    expect(error).toBeInstanceOf(SessionsException);
    expect((error as SessionsException).code).toBe(SessionsErrorCode.SessionKeyTaken);
    expect(sut.get({ guildId: G1, voiceChannelId: VC2, kind: 'music' })).toBe(session);
    expect(sut.release(session.sessionId, ReleaseReason.AgentDisconnected)).toBe(session);
    expect(sut.size).toBe(1);
  });
});
