import type { SessionReport } from '@app/protocol';
import { AgentRegistry, ReleaseReason, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents } from '../agent-gateway';
import { estimateQueue, QueueSnapshots } from './queue-snapshots';
import { resolveSessionConflict } from './session-restore.service';

const track = (title: string, durationMs = 200_000) => ({
  title,
  author: 'a',
  uri: `u:${title}`,
  durationMs,
});

function report(queue: SessionReport['queue']): SessionReport {
  return { guildId: '100000000000000001', voiceChannelId: '100000000000000002', kind: 'music', queue };
}

describe(estimateQueue.name, () => {
  it('adds the wall time since the report to the position of the current track', () => {
    const sut = estimateQueue(
      {
        report: report({
          current: { track: track('Two'), positionMs: 10_000 },
          upcoming: [track('Three'), track('Four')],
          loop: 'off',
          volume: 80,
        }),
        receivedAt: 1_000,
      },
      4_500,
    );

    expect(sut).toEqual({
      current: { track: track('Two'), positionMs: 13_500 },
      upcoming: [track('Three'), track('Four')],
      loop: 'off',
      volume: 80,
    });
  });

  it("never goes past the track's duration, and leaves streams (duration 0) uncapped", () => {
    const current = (durationMs: number) => ({ track: track('T', durationMs), positionMs: 9_000 });
    const at = (durationMs: number) =>
      estimateQueue(
        {
          report: report({ current: current(durationMs), upcoming: [], loop: 'off', volume: 100 }),
          receivedAt: 0,
        },
        5_000,
      )?.current?.positionMs;

    expect(at(10_000)).toBe(10_000);
    expect(at(0)).toBe(14_000);
  });

  it('keeps a paused track where it was reported, and counts a report without `paused` as playing', () => {
    const queue = (paused?: boolean) => ({
      current: { track: track('Two'), positionMs: 10_000 },
      upcoming: [],
      loop: 'off' as const,
      volume: 80,
      ...(paused === undefined ? {} : { paused }),
    });

    expect(estimateQueue({ report: report(queue(true)), receivedAt: 0 }, 7_000)).toEqual(queue(true));
    expect(estimateQueue({ report: report(queue(false)), receivedAt: 0 }, 7_000)?.current?.positionMs).toBe(
      17_000,
    );
    expect(estimateQueue({ report: report(queue()), receivedAt: 0 }, 7_000)?.current?.positionMs).toBe(
      17_000,
    );
  });

  it('returns the queue unchanged without a current track, and null without a queue', () => {
    const queue = { current: null, upcoming: [track('One')], loop: 'queue' as const, volume: 100 };

    expect(estimateQueue({ report: report(queue), receivedAt: 0 }, 99_000)).toEqual(queue);
    expect(estimateQueue({ report: report(undefined), receivedAt: 0 }, 99_000)).toBeNull();
  });
});

describe(resolveSessionConflict.name, () => {
  it('keeps the claim with the more recent activity, whatever the order', () => {
    const older = { agentId: 'agent1', lastActivityAt: 1_000 };
    const newer = { agentId: 'agent2', lastActivityAt: 2_000 };

    expect(resolveSessionConflict(older, newer)).toBe(newer);
    expect(resolveSessionConflict(newer, older)).toBe(newer);
  });

  it('breaks a tie by the smaller agent id', () => {
    const a = { agentId: 'agent1', lastActivityAt: 1_000 };
    const b = { agentId: 'agent2', lastActivityAt: 1_000 };

    expect(resolveSessionConflict(a, b)).toBe(a);
    expect(resolveSessionConflict(b, a)).toBe(a);
  });
});

describe(QueueSnapshots.name, () => {
  const guildId = '100000000000000001';
  const playing = report({
    current: { track: track('One'), positionMs: 1_000 },
    upcoming: [],
    loop: 'off',
    volume: 100,
  });
  let events: AgentGatewayEvents;
  let sessions: SessionRegistry;
  let sut: QueueSnapshots;

  beforeEach(() => {
    events = new AgentGatewayEvents();
    sessions = new SessionRegistry(new AgentRegistry());
    sut = new QueueSnapshots(events, sessions);
    sut.onModuleInit();
  });

  afterEach(() => sut.onModuleDestroy());

  it('keeps the latest report per agent and guild, and counts a queue end as not playing until the next track start', () => {
    events.emit('session.report', { agentId: 'agent1', runnerId: 'r1', sessions: [playing] });
    expect(sut.isPlaying('agent1', guildId)).toBe(true);

    events.emit('agent.event', {
      agentId: 'agent1',
      runnerId: 'r1',
      at: 0,
      event: { name: 'queue.end', guildId },
    });
    expect(sut.isPlaying('agent1', guildId)).toBe(false);
    expect(sut.queueEnded('agent1', guildId)).toBe(true);

    events.emit('agent.event', {
      agentId: 'agent1',
      runnerId: 'r1',
      at: 0,
      event: { name: 'track.start', guildId, track: track('Two') },
    });
    expect(sut.isPlaying('agent1', guildId)).toBe(true);
  });

  it('counts a paused player as not playing (idle sweep), and playing again once resumed', () => {
    const paused = report({ ...playing.queue!, paused: true });
    events.emit('session.report', { agentId: 'agent1', runnerId: 'r1', sessions: [paused] });
    expect(sut.isPlaying('agent1', guildId)).toBe(false);
    expect(sut.latest('agent1', guildId)?.report.queue?.paused).toBe(true);

    events.emit('session.report', {
      agentId: 'agent1',
      runnerId: 'r1',
      sessions: [report({ ...playing.queue!, paused: false })],
    });
    expect(sut.isPlaying('agent1', guildId)).toBe(true);
  });

  it('hands a report to a failover once, and forgets it when the session ends for another reason than an offline agent', () => {
    events.emit('session.report', { agentId: 'agent1', runnerId: 'r1', sessions: [playing] });

    expect(sut.take('agent1', guildId)?.report).toEqual(playing);
    expect(sut.take('agent1', guildId)).toBeUndefined();

    const agents = new AgentRegistry();
    const registry = new SessionRegistry(agents);
    const other = new QueueSnapshots(events, registry);
    other.onModuleInit();
    const session = registry.bind({
      guildId,
      voiceChannelId: playing.voiceChannelId,
      kind: 'music',
      agentId: 'agent2',
    });
    events.emit('session.report', { agentId: 'agent2', runnerId: 'r1', sessions: [playing] });
    registry.release(session.sessionId, ReleaseReason.User);
    expect(other.latest('agent2', guildId)).toBeUndefined();
    other.onModuleDestroy();
  });
});
