import { MAX_SAY_LENGTH } from '@app/protocol';

/** Longest `/assistant say` text in characters (the agent protocol's `assistant.say` limit). */
export const ASSISTANT_SAY_MAX_LENGTH = MAX_SAY_LENGTH;
/** RPC timeout for `assistant.join` in ms: joining voice can take a while. */
export const ASSISTANT_JOIN_TIMEOUT_MS = 12_000;
/** RPC timeout for `assistant.say` in ms: the agent's Lavalink node fetches the TTS audio. */
export const ASSISTANT_SAY_TIMEOUT_MS = 12_000;
/** Embed accent colour (Discord green). */
export const ASSISTANT_EMBED_COLOR = 0x57f287;
