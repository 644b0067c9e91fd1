/** Emulated Lavalink release: 4.2.x is the first with DAVE and a required voice `channelId`. */
export const LAVALINK_SANDBOX_VERSION = { major: 4, minor: 2, patch: 2, build: 'sandbox' } as const;
/** Default node password, as in Lavalink's example `application.yml`. */
export const LAVALINK_DEFAULT_PASSWORD = 'youshallnotpass';
/** Lavalink default `server.playerUpdateInterval` (5 s) — lavalink.dev Configuration. */
export const LAVALINK_DEFAULT_PLAYER_UPDATE_INTERVAL_MS = 5_000;
/** Stats op cadence: "sent every minute" — lavalink.dev WebSocket API § Stats OP. */
export const LAVALINK_DEFAULT_STATS_INTERVAL_MS = 60_000;
/** Close code used when the node shuts down: 1001 GOING_AWAY (Lavalink `ShutdownHandler`). */
export const LAVALINK_SHUTDOWN_CLOSE_CODE = 1001;
/** Source managers the emulator reports in `/v4/info` (REST API § Info Response). */
export const LAVALINK_SOURCE_MANAGERS = ['youtube', 'soundcloud', 'http'] as const;
/** Filters the emulator accepts (REST API § Filters). */
export const LAVALINK_FILTERS = [
  'volume',
  'equalizer',
  'karaoke',
  'timescale',
  'tremolo',
  'vibrato',
  'distortion',
  'rotation',
  'channelMix',
  'lowPass',
] as const;
/** Prefix of the emulator's own control API (not part of Lavalink). */
export const LAVALINK_SANDBOX_CONTROL_PREFIX = '/_sandbox';
