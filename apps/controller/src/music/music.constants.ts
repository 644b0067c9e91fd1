import { MAX_QUERY_LENGTH, MAX_VOLUME, MIN_VOLUME } from '@app/protocol';

/** Longest `/music play` query in characters (SPEC §6; the agent protocol's limit). */
export const MUSIC_QUERY_MAX_LENGTH = MAX_QUERY_LENGTH;
/** `/music volume` bounds in percent. */
export const MUSIC_VOLUME_MIN = MIN_VOLUME;
export const MUSIC_VOLUME_MAX = MAX_VOLUME;
/** RPC timeout for `music.play` in ms: joining voice and resolving a track can take a while. */
export const MUSIC_PLAY_TIMEOUT_MS = 12_000;
/** Embed accent colour (Discord blurple). */
export const MUSIC_EMBED_COLOR = 0x5865f2;
