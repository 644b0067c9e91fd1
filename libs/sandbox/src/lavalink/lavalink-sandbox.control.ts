import { LavalinkSandboxError } from './lavalink-sandbox.exception';
import type { NodeSession } from './lavalink-session';
import type { LavalinkOutboundMessage } from './lavalink.types';
import type { ResolvedTrack } from './track-resolver';

/** One message the node sent (or queued for a paused session), in order. */
export interface LavalinkSandboxEvent {
  /** 1-based sequence number, node-wide. */
  seq: number;
  /** Unix time in ms. */
  at: number;
  sessionId: string;
  userId: string;
  message: LavalinkOutboundMessage;
}

/** A player as the control API reports it. */
export interface LavalinkSandboxPlayerView {
  sessionId: string;
  userId: string;
  guildId: string;
  track: { identifier: string; title: string; author: string; length: number; sourceName: string } | null;
  /** Track position in ms. */
  position: number;
  paused: boolean;
  volume: number;
  connected: boolean;
  stuck: boolean;
  voiceChannelId: string | null;
}

/** A session as the control API reports it. */
export interface LavalinkSandboxSessionView {
  sessionId: string;
  userId: string;
  clientName: string | null;
  connected: boolean;
  resuming: boolean;
  /** Resume timeout in seconds. */
  timeout: number;
  players: number;
  queuedMessages: number;
}

/** Restricts a fault to the players of one session (several bots can share a guild). */
export interface PlayerFilter {
  sessionId?: string;
  userId?: string;
}

/** What the control needs from the node. */
export interface LavalinkSandboxControlHost {
  sessions(): NodeSession[];
  nodeDown(keepSessions: boolean): Promise<void>;
  nodeUp(): Promise<void>;
  isUp(): boolean;
  catalogue(): ResolvedTrack[];
}

/** Events kept in memory for inspection; older ones are dropped first. */
const MAX_EVENTS = 10_000;

/**
 * In-process faults and inspection for {@link LavalinkSandbox} (the same operations are on the
 * HTTP control API under `/_sandbox/…`). Fault methods return how many players they touched
 * and throw {@link LavalinkSandboxError} when none matched.
 */
export class LavalinkSandboxControl {
  private readonly log: LavalinkSandboxEvent[] = [];
  private seq = 0;
  private readonly waiters = new Set<(event: LavalinkSandboxEvent) => void>();

  constructor(private readonly host: LavalinkSandboxControlHost) {}

  /** Every message sent so far (up to the last 10 000), oldest first. */
  get events(): readonly LavalinkSandboxEvent[] {
    return this.log;
  }

  /** Whether the node currently accepts connections. */
  get isUp(): boolean {
    return this.host.isUp();
  }

  /** @internal Called by sessions for every outbound message. */
  record(session: NodeSession, message: LavalinkOutboundMessage): void {
    const event: LavalinkSandboxEvent = {
      seq: ++this.seq,
      at: Date.now(),
      sessionId: session.id,
      userId: session.userId,
      message,
    };
    this.log.push(event);
    if (this.log.length > MAX_EVENTS) this.log.shift();
    for (const waiter of [...this.waiters]) waiter(event);
  }

  /**
   * Resolves with the first event (already logged after `sinceSeq`, or future) matching
   * `predicate`. @throws Error after `timeoutMs` (default 5000) without a match.
   */
  waitForEvent(
    predicate: (event: LavalinkSandboxEvent) => boolean,
    options: { timeoutMs?: number; sinceSeq?: number } = {},
  ): Promise<LavalinkSandboxEvent> {
    const past = this.log.find(
      (event) => event.seq > (options.sinceSeq ?? Number.MAX_SAFE_INTEGER) && predicate(event),
    );
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`No matching Lavalink sandbox event within ${options.timeoutMs ?? 5000} ms`));
      }, options.timeoutMs ?? 5000);
      const waiter = (event: LavalinkSandboxEvent) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(event);
      };
      this.waiters.add(waiter);
    });
  }

  /** Sequence number of the latest event (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  sessions(): LavalinkSandboxSessionView[] {
    return this.host.sessions().map((session) => ({
      sessionId: session.id,
      userId: session.userId,
      clientName: session.clientName,
      connected: session.connected,
      resuming: session.resuming,
      timeout: session.timeoutSeconds,
      players: session.players.size,
      queuedMessages: session.queuedMessages,
    }));
  }

  players(filter: PlayerFilter = {}): LavalinkSandboxPlayerView[] {
    return this.matching(undefined, filter).map(({ session, player }) => {
      const track = player.currentTrack;
      return {
        sessionId: session.id,
        userId: session.userId,
        guildId: player.guildId,
        track: track
          ? {
              identifier: track.info.identifier,
              title: track.info.title,
              author: track.info.author,
              length: track.info.length,
              sourceName: track.info.sourceName,
            }
          : null,
        position: player.position(),
        paused: player.paused,
        volume: player.volume,
        connected: player.connected,
        stuck: player.isStuck,
        voiceChannelId: player.voice.channelId ?? null,
      };
    });
  }

  /** Takes the node down (sockets closed with 1001, connections refused). */
  async nodeDown(options: { keepSessions?: boolean } = {}): Promise<void> {
    await this.host.nodeDown(options.keepSessions ?? true);
  }

  /** Brings the node back on the same port. */
  async nodeUp(): Promise<void> {
    await this.host.nodeUp();
  }

  /**
   * Restarts the node: down, wait `downtimeMs`, up. `keepSessions: true` (default) keeps
   * sessions so a client that configured resuming and reconnects within its timeout resumes
   * them; `false` behaves like a process restart (every session and player is gone).
   */
  async restart(options: { keepSessions?: boolean; downtimeMs?: number } = {}): Promise<void> {
    await this.host.nodeDown(options.keepSessions ?? true);
    if (options.downtimeMs) await new Promise((resolve) => setTimeout(resolve, options.downtimeMs));
    await this.host.nodeUp();
  }

  /** Freezes the current track; TrackStuckEvent follows after the scaled threshold. */
  stickCurrentTrack(guildId: string, filter: PlayerFilter = {}): number {
    return this.apply(guildId, filter, (player) => player.markStuck());
  }

  /** TrackExceptionEvent then TrackEndEvent `loadFailed` for the current track. */
  failCurrentTrack(guildId: string, message: string, filter: PlayerFilter = {}): number {
    return this.apply(guildId, filter, (player) => player.fail(message));
  }

  /**
   * The Discord voice WebSocket closes: WebSocketClosedEvent (default code 4006 "Your session
   * is no longer valid.", byRemote true — WebSocket API § WebSocketClosedEvent example).
   */
  closeVoice(guildId: string, options: PlayerFilter & { code?: number; reason?: string } = {}): number {
    return this.apply(guildId, options, (player) => {
      player.closeVoice(options.code ?? 4006, options.reason ?? 'Your session is no longer valid.', true);
      return true;
    });
  }

  private matching(guildId: string | undefined, filter: PlayerFilter) {
    return this.host
      .sessions()
      .filter((session) => (filter.sessionId ? session.id === filter.sessionId : true))
      .filter((session) => (filter.userId ? session.userId === filter.userId : true))
      .flatMap((session) => [...session.players.values()].map((player) => ({ session, player })))
      .filter(({ player }) => (guildId ? player.guildId === guildId : true));
  }

  private apply(
    guildId: string,
    filter: PlayerFilter,
    action: (player: ReturnType<NodeSession['getOrCreatePlayer']>) => boolean,
  ): number {
    const affected = this.matching(guildId, filter).filter(({ player }) => action(player)).length;
    if (affected === 0) throw new LavalinkSandboxError(`No player with a current track in guild ${guildId}`);
    return affected;
  }
}
