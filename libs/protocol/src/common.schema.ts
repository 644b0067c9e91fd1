import { z } from 'zod';
import { MAX_QUEUE_SNAPSHOT_TRACKS, MAX_VOLUME, MIN_VOLUME } from './protocol.constants';

/**
 * A Discord snowflake: a uint64 written as a decimal string (Discord API reference, "Snowflakes").
 * Guild, channel, user and application (client) ids all use it.
 */
export const snowflakeSchema = z.string().regex(/^\d{1,20}$/, 'must be a Discord snowflake (decimal id)');

/** Agent id as stored in `agent_bots.agent_id`: `agent` + the bot's client id (SPEC §3). */
export const agentIdSchema = z.string().regex(/^agent\d{1,20}$/, 'must be an agent id (agent<clientId>)');

/** Builds an agent id from a Discord application (client) id, e.g. `agent1234`. */
export function agentIdFor(clientId: string): string {
  return `agent${clientId}`;
}

/** Runner id: 1–64 chars of letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const runnerIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a runner id');

/** RPC correlation id chosen by the caller, unique among its in-flight calls. */
export const rpcIdSchema = z.string().min(1).max(64);

/** Milliseconds since the Unix epoch (or a monotonic clock for ping/pong, echoed verbatim). */
export const timestampSchema = z.number().int().nonnegative();

/** Session kinds: a music player or a voice assistant (SPEC §5 session key). */
export const sessionKindSchema = z.enum(['music', 'assistant']);
export type SessionKind = z.infer<typeof sessionKindSchema>;

/** Loop modes, as in `/music loop` (Lavalink clients call them repeat modes). */
export const loopModeSchema = z.enum(['off', 'track', 'queue']);
export type LoopMode = z.infer<typeof loopModeSchema>;

/** Player volume in percent, 0–200. */
export const volumeSchema = z.number().int().min(MIN_VOLUME).max(MAX_VOLUME);

/**
 * A track as the controller sees it: enough to show it and to load it again on another agent.
 * `encoded` is Lavalink v4's opaque base64 track (lets a failover agent play exactly the same
 * track without searching); `durationMs` is Lavalink's `info.length` (0 for streams).
 */
export const trackSchema = z.object({
  encoded: z.string().min(1).max(8192).optional(),
  title: z.string().max(512),
  author: z.string().max(512),
  uri: z.string().max(2048),
  durationMs: z.number().int().nonnegative(),
  /** Discord user id of whoever queued it. */
  requestedBy: snowflakeSchema.optional(),
});
export type Track = z.infer<typeof trackSchema>;

/** The playing track and how far into it the player is. */
export const currentTrackSchema = z.object({
  track: trackSchema,
  positionMs: z.number().int().nonnegative(),
});
export type CurrentTrack = z.infer<typeof currentTrackSchema>;

/**
 * A music queue snapshot: carried in `session.resume` (failover) and in session reports, so that
 * any agent can take the queue over from the last known position — and in the same paused state.
 * `paused` is optional for compatibility: a runner that does not send it is read as playing, and
 * an agent that receives no `paused` in `session.resume` plays.
 */
export const queueSnapshotSchema = z.object({
  current: currentTrackSchema.nullable(),
  upcoming: z.array(trackSchema).max(MAX_QUEUE_SNAPSHOT_TRACKS),
  loop: loopModeSchema,
  volume: volumeSchema,
  /** Whether the player is paused (Lavalink v4 player `paused`); absent = playing. */
  paused: z.boolean().optional(),
});
export type QueueSnapshot = z.infer<typeof queueSnapshotSchema>;

/**
 * One session an agent holds, as the agent reports it (announce, `session.report`). The controller
 * rebuilds its session map from these after a restart (SPEC §5, ACCEPTANCE A10).
 */
export const sessionReportSchema = z.object({
  guildId: snowflakeSchema,
  voiceChannelId: snowflakeSchema,
  textChannelId: snowflakeSchema.nullable().optional(),
  kind: sessionKindSchema,
  /** Discord user id of whoever started the session, when known. */
  ownerUserId: snowflakeSchema.nullable().optional(),
  /** Music sessions: the queue, so a failover can resume it. */
  queue: queueSnapshotSchema.optional(),
  /** Epoch ms of the last playback or command activity (drives the idle sweep). */
  lastActivityAt: timestampSchema.optional(),
});
export type SessionReport = z.infer<typeof sessionReportSchema>;

/** A guild the agent is a member of, and the voice channel it sits in there (null = none). */
export const agentGuildSchema = z.object({
  guildId: snowflakeSchema,
  voiceChannelId: snowflakeSchema.nullable().optional(),
});
export type AgentGuild = z.infer<typeof agentGuildSchema>;
