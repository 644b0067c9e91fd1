/**
 * Lavalink v4 wire types, as documented on lavalink.dev (REST API "Track", "Player", "Voice
 * State"; WebSocket API "OP Types", "Event Types"). Field names and units are the protocol's:
 * every length, position and time is in milliseconds, the session resume timeout in seconds.
 */

/** Track Info object — lavalink.dev REST API § Track Info. */
export interface LavalinkTrackInfo {
  identifier: string;
  isSeekable: boolean;
  author: string;
  /** Track length in ms. */
  length: number;
  isStream: boolean;
  /** Track position in ms. */
  position: number;
  title: string;
  uri: string | null;
  artworkUrl: string | null;
  isrc: string | null;
  sourceName: string;
}

/** Track object — lavalink.dev REST API § Track (`userData` since v4.0.0). */
export interface LavalinkTrack {
  encoded: string;
  info: LavalinkTrackInfo;
  pluginInfo: Record<string, unknown>;
  userData: Record<string, unknown>;
}

/** Exception object — lavalink.dev WebSocket API § Exception Object. */
export interface LavalinkException {
  message: string | null;
  severity: 'common' | 'suspicious' | 'fault';
  cause: string;
}

/** Load result — lavalink.dev REST API § Track Loading Result. */
export type LavalinkLoadResult =
  | { loadType: 'track'; data: LavalinkTrack }
  | {
      loadType: 'playlist';
      data: {
        info: { name: string; selectedTrack: number };
        pluginInfo: Record<string, unknown>;
        tracks: LavalinkTrack[];
      };
    }
  | { loadType: 'search'; data: LavalinkTrack[] }
  | { loadType: 'empty'; data: Record<string, never> }
  | { loadType: 'error'; data: LavalinkException };

/**
 * Voice State — lavalink.dev REST API § Voice State. `channelId` became required in Lavalink
 * 4.2.0 (DAVE, lavalink-devs/Lavalink PR #1191 release notes and docs PR #1204).
 */
export interface LavalinkVoiceState {
  token: string;
  endpoint: string;
  sessionId: string;
  channelId: string;
}

/** Player State — lavalink.dev WebSocket API § Player State. */
export interface LavalinkPlayerState {
  /** Unix time in ms. */
  time: number;
  /** Track position in ms. */
  position: number;
  connected: boolean;
  /** Ping to the Discord voice server in ms, -1 when not connected. */
  ping: number;
}

/** Player object — lavalink.dev REST API § Player. */
export interface LavalinkPlayerDto {
  guildId: string;
  track: LavalinkTrack | null;
  /** 0–1000, percent. */
  volume: number;
  paused: boolean;
  state: LavalinkPlayerState;
  voice: Partial<LavalinkVoiceState>;
  filters: Record<string, unknown>;
}

/** Track End Reason — lavalink.dev WebSocket API § Track End Reason. */
export type LavalinkTrackEndReason = 'finished' | 'loadFailed' | 'stopped' | 'replaced' | 'cleanup';

/** Stats object — lavalink.dev WebSocket API § Stats Object. */
export interface LavalinkStats {
  players: number;
  playingPlayers: number;
  /** Node uptime in ms. */
  uptime: number;
  memory: { free: number; used: number; allocated: number; reservable: number };
  cpu: { cores: number; systemLoad: number; lavalinkLoad: number };
  frameStats?: { sent: number; nulled: number; deficit: number } | null;
}

/** Event op payloads — lavalink.dev WebSocket API § Event Types. */
export type LavalinkEventPayload =
  | { op: 'event'; type: 'TrackStartEvent'; guildId: string; track: LavalinkTrack }
  | {
      op: 'event';
      type: 'TrackEndEvent';
      guildId: string;
      track: LavalinkTrack;
      reason: LavalinkTrackEndReason;
    }
  | {
      op: 'event';
      type: 'TrackExceptionEvent';
      guildId: string;
      track: LavalinkTrack;
      exception: LavalinkException;
    }
  | { op: 'event'; type: 'TrackStuckEvent'; guildId: string; track: LavalinkTrack; thresholdMs: number }
  | {
      op: 'event';
      type: 'WebSocketClosedEvent';
      guildId: string;
      code: number;
      reason: string;
      byRemote: boolean;
    };

/** Every op the node sends — lavalink.dev WebSocket API § OP Types. */
export type LavalinkOutboundMessage =
  | { op: 'ready'; resumed: boolean; sessionId: string }
  | ({ op: 'stats' } & LavalinkStats)
  | { op: 'playerUpdate'; guildId: string; state: LavalinkPlayerState }
  | LavalinkEventPayload;
