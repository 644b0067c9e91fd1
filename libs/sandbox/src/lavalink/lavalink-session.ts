import type { WebSocket } from 'ws';
import { SandboxPlayer, type PlayerClock } from './lavalink-player';
import type { LavalinkOutboundMessage } from './lavalink.types';

/** Default resume timeout in seconds — REST API § Update Session ("default is 60s"). */
export const DEFAULT_RESUME_TIMEOUT_SECONDS = 60;

/**
 * One Lavalink session (one WebSocket client, identified by the `ready` op's `sessionId`).
 * While its socket is gone and resuming is enabled, every outbound message is queued and
 * replayed on resume, then one playerUpdate per player is sent (Lavalink
 * `SocketContext.send`/`resume`; docs § Resuming: "any events that would normally have been
 * sent are queued up … replayed").
 */
export class NodeSession {
  readonly players = new Map<string, SandboxPlayer>();
  resuming = false;
  timeoutSeconds = DEFAULT_RESUME_TIMEOUT_SECONDS;
  private socket: WebSocket | null = null;
  private readonly queue: string[] = [];
  private expiryTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly userId: string,
    readonly clientName: string | null,
    private readonly clock: PlayerClock,
    private readonly record: (session: NodeSession, message: LavalinkOutboundMessage) => void,
  ) {}

  get connected(): boolean {
    return this.socket !== null;
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Sends a message now, or queues it while the session is paused for resuming. */
  send(message: LavalinkOutboundMessage): void {
    this.record(this, message);
    const payload = JSON.stringify(message);
    if (!this.socket) {
      this.queue.push(payload);
      return;
    }
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(payload);
  }

  /** Binds a fresh socket: ready, then the replayed queue, then one playerUpdate per player. */
  attach(socket: WebSocket, resumed: boolean): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.socket = socket;
    this.send({ op: 'ready', resumed, sessionId: this.id });
    const replay = this.queue.splice(0);
    for (const payload of replay) socket.send(payload);
    if (resumed) for (const player of this.players.values()) player.sendUpdate();
  }

  /** Starts the periodic stats op; the first one goes out immediately (StatsTask delay 0). */
  startStats(intervalMs: number, build: () => LavalinkOutboundMessage): void {
    this.send(build());
    this.statsTimer = setInterval(() => this.send(build()), intervalMs);
  }

  /**
   * The socket closed. With resuming on, the session pauses and expires after its timeout
   * (`onExpire`); otherwise it shuts down at once.
   * @returns true when the session was paused for resuming.
   */
  detach(onExpire: () => void): boolean {
    this.socket = null;
    if (!this.resuming) return false;
    this.expiryTimer = setTimeout(onExpire, this.timeoutSeconds * 1000);
    return true;
  }

  getOrCreatePlayer(guildId: string): SandboxPlayer {
    let player = this.players.get(guildId);
    if (!player) {
      player = new SandboxPlayer(guildId, this.clock, (message) => this.send(message));
      this.players.set(guildId, player);
    }
    return player;
  }

  destroyPlayer(guildId: string): void {
    const player = this.players.get(guildId);
    if (!player) return;
    this.players.delete(guildId);
    player.destroy();
  }

  /** Destroys every player and stops timers (Lavalink `SocketContext.shutdown`). */
  shutdown(): void {
    for (const guildId of [...this.players.keys()]) this.destroyPlayer(guildId);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.expiryTimer = null;
    this.statsTimer = null;
    this.queue.length = 0;
    this.socket = null;
  }
}
