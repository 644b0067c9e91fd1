export { LavalinkSandbox, type LavalinkSandboxOptions } from './lavalink-sandbox';
export {
  LavalinkSandboxControl,
  type LavalinkSandboxEvent,
  type LavalinkSandboxPlayerView,
  type LavalinkSandboxSessionView,
  type PlayerFilter,
} from './lavalink-sandbox.control';
export { LavalinkSandboxError } from './lavalink-sandbox.exception';
export { LAVALINK_DEFAULT_PASSWORD, LAVALINK_SHUTDOWN_CLOSE_CODE } from './lavalink-sandbox.constants';
export { CATALOGUE_PLAYLISTS, CATALOGUE_TRACKS, LOAD_FAILURES } from './lavalink.catalogue';
export type { CataloguePlaylist, CatalogueTrack } from './lavalink.catalogue';
export { TRACK_STUCK_THRESHOLD_MS, PLAYER_CLEANUP_THRESHOLD_MS } from './lavalink-player';
export { decodeTrack, encodeTrack, TrackDecodeError } from './track-codec';
export { wavDurationMs } from './track-resolver';
export type * from './lavalink.types';
