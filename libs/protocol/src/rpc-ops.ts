import { z } from 'zod';
import {
  agentGuildSchema,
  agentIdSchema,
  currentTrackSchema,
  loopModeSchema,
  queueSnapshotSchema,
  sessionReportSchema,
  snowflakeSchema,
  trackSchema,
  volumeSchema,
} from './common.schema';
import { MAX_QUERY_LENGTH, MAX_SAY_LENGTH } from './protocol.constants';

const guildOnly = z.object({ guildId: snowflakeSchema });
const empty = z.object({});
/** 1-based position in the upcoming queue (1 = next track), as users see it in `/music queue`. */
const queueIndex = z.number().int().min(1);

const voiceTarget = {
  guildId: snowflakeSchema,
  voiceChannelId: snowflakeSchema,
  textChannelId: snowflakeSchema.optional(),
};

/** What `status` returns: an agent's view of itself. */
export const agentStatusSchema = z.object({
  agentId: agentIdSchema,
  ready: z.boolean(),
  /** Milliseconds since the agent's Discord client became ready (0 if not ready). */
  uptimeMs: z.number().int().nonnegative(),
  guilds: z.array(agentGuildSchema),
  sessions: z.array(sessionReportSchema),
  lavalink: z.array(z.object({ nodeId: z.string().max(64), connected: z.boolean() })),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;

/**
 * Every RPC op an agent serves (SPEC §4): `op → { params, result }` schemas. The controller sends
 * `rpc.request {op, params}`; the agent answers `rpc.response {ok: true, result}` shaped by
 * `result`, or `{ok: false, error}` with a {@link ProtocolErrorCode}.
 * Guild-scoped ops act on the agent's player/assistant in `guildId`.
 */
export const rpcOps = {
  /** Join (or move to) a voice channel. */
  'voice.join': {
    params: z.object(voiceTarget),
    result: z.object({ guildId: snowflakeSchema, voiceChannelId: snowflakeSchema }),
  },
  /** Leave voice in the guild, destroying any player. `left` is false when not in voice. */
  'voice.leave': { params: guildOnly, result: z.object({ left: z.boolean() }) },

  /**
   * Join if needed, resolve `query` (URL or search, ≤ 200 chars) and play or enqueue it.
   * `queuePosition` 0 = started now, n = n-th upcoming. `added` > 1 for playlists.
   */
  'music.play': {
    params: z.object({
      ...voiceTarget,
      query: z.string().trim().min(1).max(MAX_QUERY_LENGTH),
      requestedBy: snowflakeSchema,
    }),
    result: z.object({
      track: trackSchema,
      queuePosition: z.number().int().nonnegative(),
      added: z.number().int().min(1),
      queueLength: z.number().int().nonnegative(),
    }),
  },
  /** Search without playing (autocomplete); `limit` 1–25 (Discord's autocomplete maximum). */
  'music.search': {
    params: z.object({
      guildId: snowflakeSchema,
      query: z.string().trim().min(1).max(MAX_QUERY_LENGTH),
      limit: z.number().int().min(1).max(25).optional(),
    }),
    result: z.object({ tracks: z.array(trackSchema) }),
  },
  /** Skip the current track; `next` is what plays now (null = queue ended). */
  'music.skip': {
    params: guildOnly,
    result: z.object({ skipped: trackSchema, next: trackSchema.nullable() }),
  },
  'music.pause': { params: guildOnly, result: z.object({ paused: z.literal(true) }) },
  'music.resume': { params: guildOnly, result: z.object({ paused: z.literal(false) }) },
  /** Stop playback and clear the queue; the agent stays in voice until released. */
  'music.stop': { params: guildOnly, result: z.object({ stopped: z.boolean() }) },
  'music.volume': {
    params: z.object({ guildId: snowflakeSchema, volume: volumeSchema }),
    result: z.object({ volume: volumeSchema }),
  },
  /** One page (10 tracks) of the upcoming queue; `page` is 1-based, default 1. */
  'music.queue': {
    params: z.object({ guildId: snowflakeSchema, page: z.number().int().min(1).optional() }),
    result: z.object({
      current: currentTrackSchema.nullable(),
      upcoming: z.array(trackSchema),
      page: z.number().int().min(1),
      pages: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      loop: loopModeSchema,
      volume: volumeSchema,
    }),
  },
  'music.nowplaying': {
    params: guildOnly,
    result: z.object({ current: currentTrackSchema.nullable(), paused: z.boolean() }),
  },
  /** Remove the upcoming track at 1-based `index`. */
  'music.remove': {
    params: z.object({ guildId: snowflakeSchema, index: queueIndex }),
    result: z.object({ removed: trackSchema }),
  },
  /** Move the upcoming track at 1-based `from` to 1-based `to`. */
  'music.move': {
    params: z.object({ guildId: snowflakeSchema, from: queueIndex, to: queueIndex }),
    result: z.object({ moved: trackSchema, to: queueIndex }),
  },
  'music.shuffle': { params: guildOnly, result: z.object({ count: z.number().int().nonnegative() }) },
  'music.clear': { params: guildOnly, result: z.object({ cleared: z.number().int().nonnegative() }) },
  'music.loop': {
    params: z.object({ guildId: snowflakeSchema, mode: loopModeSchema }),
    result: z.object({ mode: loopModeSchema }),
  },

  'assistant.join': {
    params: z.object(voiceTarget),
    result: z.object({ guildId: snowflakeSchema, voiceChannelId: snowflakeSchema }),
  },
  /** Speak `text` (≤ 500 chars) in the assistant's voice channel; `queued` when it waits its turn. */
  'assistant.say': {
    params: z.object({ guildId: snowflakeSchema, text: z.string().trim().min(1).max(MAX_SAY_LENGTH) }),
    result: z.object({ queued: z.boolean() }),
  },
  'assistant.leave': { params: guildOnly, result: z.object({ left: z.boolean() }) },
  'assistant.status': {
    params: guildOnly,
    result: z.object({
      active: z.boolean(),
      voiceChannelId: snowflakeSchema.nullable(),
      speaking: z.boolean(),
      pending: z.number().int().nonnegative(),
    }),
  },

  /**
   * Failover: join the voice channel and take over `queue`, resuming `current` at `positionMs`
   * (SPEC §5, ACCEPTANCE I3).
   */
  'session.resume': {
    params: z.object({ ...voiceTarget, queue: queueSnapshotSchema }),
    result: z.object({
      resumed: currentTrackSchema.nullable(),
      queueLength: z.number().int().nonnegative(),
    }),
  },
  /** Every session the agent holds, for reconciliation. */
  'session.report': { params: empty, result: z.object({ sessions: z.array(sessionReportSchema) }) },
  /** The agent's status (ACCEPTANCE R1). */
  status: { params: empty, result: agentStatusSchema },
} as const satisfies Record<string, { params: z.ZodObject; result: z.ZodType }>;

/** Name of an RPC op. */
export type RpcOp = keyof typeof rpcOps;
/** Every op name. */
export const RPC_OPS = Object.keys(rpcOps) as [RpcOp, ...RpcOp[]];
/** Params accepted by `op` (after parsing). */
export type RpcParams<Op extends RpcOp> = z.output<(typeof rpcOps)[Op]['params']>;
/** Params a caller may pass for `op` (before defaults/trimming). */
export type RpcParamsInput<Op extends RpcOp> = z.input<(typeof rpcOps)[Op]['params']>;
/** Result returned by `op`. */
export type RpcResult<Op extends RpcOp> = z.output<(typeof rpcOps)[Op]['result']>;
