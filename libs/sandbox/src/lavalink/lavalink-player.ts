import type {
  LavalinkEventPayload,
  LavalinkOutboundMessage,
  LavalinkPlayerDto,
  LavalinkTrackEndReason,
  LavalinkVoiceState,
} from './lavalink.types';
import { toLavalinkTrack, type ResolvedTrack } from './track-resolver';

/** Node-wide timing knobs a player needs. */
export interface PlayerClock {
  /** Wall ms per track ms: 0.01 plays a 3-minute track in 1.8 s. */
  timeScale: number;
  /** Wall ms between periodic playerUpdate ops. */
  playerUpdateIntervalMs: number;
  /** Emulated voice ping in ms reported while connected. */
  voicePingMs: number;
}

/**
 * Lavaplayer's default stuck threshold (track ms) reported in TrackStuckEvent.thresholdMs —
 * Lavalink `lavalink.server.trackStuckThresholdMs` default 10000.
 */
export const TRACK_STUCK_THRESHOLD_MS = 10_000;
/**
 * Lavaplayer `DefaultAudioPlayerManager` cleanup threshold (track ms): a playing track that
 * nobody polls for frames (no voice connection) ends with reason `cleanup` after one minute.
 */
export const PLAYER_CLEANUP_THRESHOLD_MS = 60_000;

/**
 * One emulated Lavalink player (one guild in one session). The playback clock advances only
 * while a track is loaded, the player is not paused, the voice connection is complete and the
 * track is not stuck — like lavaplayer, whose position advances only as the voice connection
 * pulls frames (Lavalink `LavalinkPlayer.Provider`). TrackStartEvent is dispatched as soon as
 * a track is played, even before voice is connected, because lavaplayer's `playTrack` fires
 * `onTrackStart` synchronously (Lavalink `PlayerRestHandler.patchPlayer` → `player.play`).
 */
export class SandboxPlayer {
  private track: ResolvedTrack | null = null;
  private userData: Record<string, unknown> = {};
  private basePosition = 0;
  private baseWall = Date.now();
  private endTime: number | null = null;
  private stuck = false;
  private endTimer: NodeJS.Timeout | null = null;
  private cleanupTimer: NodeJS.Timeout | null = null;
  private stuckTimer: NodeJS.Timeout | null = null;
  private updateTimer: NodeJS.Timeout | null = null;
  paused = false;
  volume = 100;
  filters: Record<string, unknown> = {};
  voice: Partial<LavalinkVoiceState> = {};
  connected = false;

  constructor(
    readonly guildId: string,
    private readonly clock: PlayerClock,
    private readonly send: (message: LavalinkOutboundMessage) => void,
  ) {}

  /** True while a track is loaded and not paused (Lavalink `isPlaying`, used in stats). */
  get isPlaying(): boolean {
    return this.track !== null && !this.paused;
  }

  get currentTrack(): ResolvedTrack | null {
    return this.track;
  }

  get isStuck(): boolean {
    return this.stuck;
  }

  /** Current track position in track ms. */
  position(now = Date.now()): number {
    if (!this.track) return 0;
    const elapsed = this.advancing ? (now - this.baseWall) / this.clock.timeScale : 0;
    return Math.min(this.track.info.length, Math.max(0, Math.round(this.basePosition + elapsed)));
  }

  private get advancing(): boolean {
    return this.track !== null && !this.paused && this.connected && !this.stuck;
  }

  /** Player object as REST returns it (REST API § Player). */
  toDto(): LavalinkPlayerDto {
    return {
      guildId: this.guildId,
      track: this.track ? toLavalinkTrack(this.track, this.userData, this.position()) : null,
      volume: this.volume,
      paused: this.paused,
      state: this.state(),
      voice: { ...this.voice },
      filters: { ...this.filters },
    };
  }

  private state() {
    return {
      time: Date.now(),
      position: this.position(),
      connected: this.connected,
      ping: this.connected ? this.clock.voicePingMs : -1,
    };
  }

  /** Sends a playerUpdate op now (WebSocket API § Player Update OP). */
  sendUpdate(): void {
    this.send({ op: 'playerUpdate', guildId: this.guildId, state: this.state() });
  }

  /**
   * Plays a track, replacing the current one (TrackEndEvent `replaced`, then
   * TrackStartEvent — lavaplayer `playTrack` semantics).
   */
  play(
    track: ResolvedTrack,
    options: { position?: number; endTime?: number | null; userData?: Record<string, unknown> },
  ): void {
    if (this.track) this.end('replaced');
    this.track = track;
    this.userData = options.userData ?? {};
    this.stuck = false;
    this.endTime = options.endTime ?? null;
    this.basePosition = Math.min(track.info.length, Math.max(0, options.position ?? 0));
    this.baseWall = Date.now();
    this.emit({ op: 'event', type: 'TrackStartEvent', guildId: this.guildId, track: this.wireTrack() });
    this.sendUpdate();
    this.startUpdates();
    this.reschedule();
  }

  /** Stops the current track (TrackEndEvent `stopped`); no-op without a track. */
  stop(): void {
    if (this.track) this.end('stopped');
  }

  setPaused(paused: boolean): void {
    this.rebase();
    this.paused = paused;
    this.reschedule();
  }

  /** Seeks within the current track (no-op without one, as Lavalink ignores it). */
  seek(position: number): void {
    if (!this.track) return;
    this.basePosition = Math.min(this.track.info.length, Math.max(0, position));
    this.baseWall = Date.now();
    this.reschedule();
    this.sendUpdate();
  }

  setEndTime(endTime: number | null): void {
    this.rebase();
    this.endTime = endTime;
    this.reschedule();
  }

  setUserData(userData: Record<string, unknown>): void {
    this.userData = userData;
  }

  setFilters(filters: Record<string, unknown>): void {
    this.filters = filters;
    this.sendUpdate();
  }

  /** A complete voice state connects the emulated voice gateway and the clock starts. */
  connectVoice(voice: LavalinkVoiceState): void {
    this.rebase();
    this.voice = { ...voice };
    this.connected = true;
    this.reschedule();
    this.sendUpdate();
  }

  /**
   * The Discord voice gateway closed: WebSocketClosedEvent then a playerUpdate (Lavalink
   * `SocketContext.WsEventHandler.gatewayClosed`). The clock stops until voice is sent again.
   */
  closeVoice(code: number, reason: string, byRemote: boolean): void {
    this.rebase();
    this.connected = false;
    this.emit({ op: 'event', type: 'WebSocketClosedEvent', guildId: this.guildId, code, reason, byRemote });
    this.reschedule();
    this.sendUpdate();
  }

  /** Freezes the clock and dispatches TrackStuckEvent after the (scaled) stuck threshold. */
  markStuck(): boolean {
    if (!this.track) return false;
    this.rebase();
    this.stuck = true;
    this.reschedule();
    const track = this.wireTrack();
    this.stuckTimer = setTimeout(() => {
      this.stuckTimer = null;
      if (this.track && this.stuck) {
        this.emit({
          op: 'event',
          type: 'TrackStuckEvent',
          guildId: this.guildId,
          track,
          thresholdMs: TRACK_STUCK_THRESHOLD_MS,
        });
      }
    }, TRACK_STUCK_THRESHOLD_MS * this.clock.timeScale);
    return true;
  }

  /**
   * A playback exception: TrackExceptionEvent then TrackEndEvent `loadFailed` (lavaplayer
   * `TrackExceptionEvent` followed by `onTrackEnd(LOAD_FAILED)`).
   */
  fail(message: string): boolean {
    if (!this.track) return false;
    this.emit({
      op: 'event',
      type: 'TrackExceptionEvent',
      guildId: this.guildId,
      track: this.wireTrack(),
      exception: {
        message,
        severity: 'fault',
        cause: `com.sedmelluq.discord.lavaplayer.tools.FriendlyException: ${message}`,
      },
    });
    this.end('loadFailed');
    return true;
  }

  /** Destroys the player: the current track ends `stopped` (lavaplayer `destroy` → `stopTrack`). */
  destroy(): void {
    this.stop();
    this.clearTimers();
  }

  private wireTrack() {
    // The track object in events carries position 0, as in the WebSocket API examples.
    return toLavalinkTrack(this.track as ResolvedTrack, this.userData, 0);
  }

  private end(reason: LavalinkTrackEndReason): void {
    const track = this.wireTrack();
    this.track = null;
    this.stuck = false;
    this.endTime = null;
    this.basePosition = 0;
    this.clearTimers();
    this.emit({ op: 'event', type: 'TrackEndEvent', guildId: this.guildId, track, reason });
  }

  private emit(event: LavalinkEventPayload): void {
    this.send(event);
  }

  private rebase(): void {
    this.basePosition = this.position();
    this.baseWall = Date.now();
  }

  private startUpdates(): void {
    if (this.updateTimer) return;
    this.updateTimer = setInterval(() => this.sendUpdate(), this.clock.playerUpdateIntervalMs);
  }

  private reschedule(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer);
    this.endTimer = null;
    this.cleanupTimer = null;
    if (!this.track) return;
    if (this.advancing) {
      const target = Math.min(this.track.info.length, this.endTime ?? Number.POSITIVE_INFINITY);
      const remainingWallMs = Math.max(0, target - this.position()) * this.clock.timeScale;
      this.endTimer = setTimeout(() => {
        this.endTimer = null;
        // The end marker (endTime) reports `finished`, like Lavalink's TrackEndMarkerHandler.
        if (this.track) this.end('finished');
      }, remainingWallMs);
    } else if (!this.connected) {
      this.cleanupTimer = setTimeout(() => {
        this.cleanupTimer = null;
        if (this.track && !this.connected) this.end('cleanup');
      }, PLAYER_CLEANUP_THRESHOLD_MS * this.clock.timeScale);
    }
  }

  private clearTimers(): void {
    for (const timer of [this.endTimer, this.cleanupTimer, this.stuckTimer]) if (timer) clearTimeout(timer);
    if (this.updateTimer) clearInterval(this.updateTimer);
    this.endTimer = null;
    this.cleanupTimer = null;
    this.stuckTimer = null;
    this.updateTimer = null;
  }
}
