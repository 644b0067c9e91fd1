import { z } from 'zod';
import {
  agentGuildSchema,
  agentIdSchema,
  runnerIdSchema,
  rpcIdSchema,
  sessionReportSchema,
  snowflakeSchema,
  timestampSchema,
  trackSchema,
} from './common.schema';
import { PROTOCOL_ERROR_CODES } from './protocol-error';
import { MAX_RPC_TIMEOUT_MS } from './protocol.constants';
import { type RpcOp, rpcOps } from './rpc-ops';

/**
 * Frame schemas for the controller ⇄ runner WebSocket (SPEC §4). Every frame is one JSON object
 * with a `type` discriminator. Objects are parsed leniently about *extra* keys (they are dropped),
 * so a 1.x peer may add fields without breaking an older 1.y peer.
 */

const errorCodeSchema = z.enum(PROTOCOL_ERROR_CODES);

// ---------------------------------------------------------------------------------------------
// Both directions
// ---------------------------------------------------------------------------------------------

/** Heartbeat. The receiver answers `pong` with the same `ts`; the sender derives the RTT. */
export const pingFrameSchema = z.object({ type: z.literal('ping'), ts: timestampSchema });
/** Heartbeat answer echoing the `ping`'s `ts`. */
export const pongFrameSchema = z.object({ type: z.literal('pong'), ts: timestampSchema });

// ---------------------------------------------------------------------------------------------
// Runner → controller
// ---------------------------------------------------------------------------------------------

/**
 * First frame of every connection: protocol version, runner identity and its secret credential
 * (checked against the stored hash; never logged or echoed), the capabilities it offers and
 * metadata. Nothing else is accepted before a successful `hello` (ACCEPTANCE B4).
 */
export const helloFrameSchema = z.object({
  type: z.literal('hello'),
  protocol: z.object({ version: z.string().max(64) }),
  runnerId: runnerIdSchema,
  credential: z.string().min(1).max(512),
  capabilities: z.array(z.string().max(64)).max(64),
  runner: z.object({
    /** The runner build's version (informational). */
    version: z.string().max(64),
    /** Host name, for operators. */
    host: z.string().max(255),
    /** How many agent identities the runner is willing to carry. */
    capacity: z.number().int().nonnegative(),
  }),
});

/** One agent identity in an announce. */
export const announcedAgentSchema = z.object({
  agentId: agentIdSchema,
  /** Discord application id. */
  clientId: snowflakeSchema,
  /** The bot user's id (equal to the client id for modern applications, but reported as seen). */
  botUserId: snowflakeSchema,
  /** True once the agent's Discord client is ready. */
  ready: z.boolean(),
  guilds: z.array(agentGuildSchema),
  /** Sessions the agent already holds (after a controller restart, SPEC §5). */
  sessions: z.array(sessionReportSchema).optional(),
});
export type AnnouncedAgent = z.infer<typeof announcedAgentSchema>;

/**
 * Announces agent identities carried by this runner, batched (hundreds per runner fit in a few
 * frames; see `packAnnounceFrames`). Announcing an agent again replaces its previous state.
 */
export const agentAnnounceFrameSchema = z.object({
  type: z.literal('agent.announce'),
  agents: z.array(announcedAgentSchema).min(1).max(1000),
});

/** One state change of an agent. `voice.humans` with `humans: 0` means the last human left. */
export const agentChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), ready: z.boolean() }),
  z.object({ kind: z.literal('guild.join'), guild: agentGuildSchema }),
  z.object({ kind: z.literal('guild.leave'), guildId: snowflakeSchema }),
  z.object({
    kind: z.literal('voice.moved'),
    guildId: snowflakeSchema,
    voiceChannelId: snowflakeSchema.nullable(),
    /** The channel the agent left (null = it was in none); absent from older runners. */
    fromVoiceChannelId: snowflakeSchema.nullable().optional(),
  }),
  z.object({
    kind: z.literal('voice.humans'),
    guildId: snowflakeSchema,
    voiceChannelId: snowflakeSchema,
    humans: z.number().int().nonnegative(),
  }),
]);
export type AgentChange = z.infer<typeof agentChangeSchema>;

/** An agent's readiness, guild membership or voice state changed. */
export const agentUpdateFrameSchema = z.object({
  type: z.literal('agent.update'),
  agentId: agentIdSchema,
  change: agentChangeSchema,
});

/** Why an agent stopped being available on this runner. */
export const agentGoneReasonSchema = z.enum([
  'logout',
  'login-failed',
  'lease-lost',
  'removed',
  'drain',
  'error',
]);
export type AgentGoneReason = z.infer<typeof agentGoneReasonSchema>;

/** The runner no longer carries this agent. Its sessions must be failed over or released. */
export const agentGoneFrameSchema = z.object({
  type: z.literal('agent.gone'),
  agentId: agentIdSchema,
  reason: agentGoneReasonSchema,
});

/** An error as carried in a failed RPC response. `message` is safe to show and log. */
export const rpcErrorSchema = z.object({ code: errorCodeSchema, message: z.string().max(1024) });
export type RpcError = z.infer<typeof rpcErrorSchema>;

/**
 * Answer to an `rpc.request`, from the agent that was asked (`agentId` must match the request's;
 * ACCEPTANCE R3). `result` is validated against the op's result schema by the caller, who knows
 * the op (`parseRpcResult`).
 */
export const rpcResponseFrameSchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('rpc.response'),
    id: rpcIdSchema,
    agentId: agentIdSchema,
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.object({
    type: z.literal('rpc.response'),
    id: rpcIdSchema,
    agentId: agentIdSchema,
    ok: z.literal(false),
    error: rpcErrorSchema,
  }),
]);

/** The sessions an agent holds now (sent on change and periodically; replaces prior reports). */
export const sessionReportFrameSchema = z.object({
  type: z.literal('session.report'),
  agentId: agentIdSchema,
  sessions: z.array(sessionReportSchema),
});

/** Lavalink TrackEndEvent reasons (Lavalink v4 websocket API). */
export const trackEndReasonSchema = z.enum(['finished', 'loadFailed', 'stopped', 'replaced', 'cleanup']);

/** Something that happened at an agent, keyed by `name`. */
export const agentEventSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('track.start'), guildId: snowflakeSchema, track: trackSchema }),
  z.object({
    name: z.literal('track.end'),
    guildId: snowflakeSchema,
    track: trackSchema,
    reason: trackEndReasonSchema,
  }),
  z.object({
    name: z.literal('track.exception'),
    guildId: snowflakeSchema,
    track: trackSchema,
    message: z.string().max(1024),
  }),
  z.object({ name: z.literal('queue.end'), guildId: snowflakeSchema }),
  z.object({
    name: z.literal('voice.disconnected'),
    guildId: snowflakeSchema,
    voiceChannelId: snowflakeSchema.nullable(),
    /** Discord voice close code when known (Lavalink WebSocketClosedEvent `code`). */
    code: z.number().int().optional(),
    /**
     * True when the agent left because it was asked to (`voice.leave`, `assistant.leave`, drain);
     * false or absent = disconnected from outside (a moderator, the channel deleted).
     */
    requested: z.boolean().optional(),
    /**
     * True when the runner dropped the player itself because it could not be kept (Lavalink
     * session lost and not rebuilt, too many track errors): the session is over.
     */
    lost: z.boolean().optional(),
  }),
  z.object({ name: z.literal('humans.left'), guildId: snowflakeSchema, voiceChannelId: snowflakeSchema }),
  z.object({
    name: z.literal('lavalink.node'),
    nodeId: z.string().min(1).max(64),
    state: z.enum(['connected', 'disconnected', 'reconnecting', 'error']),
    message: z.string().max(1024).optional(),
  }),
  /** The identity could not log into Discord; `error` is a sanitized reason (never the token). */
  z.object({ name: z.literal('login.failed'), error: z.string().max(1024) }),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;

/** An agent-originated event with the time it happened (epoch ms). */
export const eventFrameSchema = z.object({
  type: z.literal('event'),
  agentId: agentIdSchema,
  at: timestampSchema,
  event: agentEventSchema,
});

/** The runner is shutting down: stop sending it work; it will hand sessions back and close. */
export const drainFrameSchema = z.object({
  type: z.literal('drain'),
  reason: z.string().max(256).optional(),
});

/** Every frame a runner may send, discriminated by `type`. */
export const runnerFrameSchema = z.discriminatedUnion('type', [
  helloFrameSchema,
  agentAnnounceFrameSchema,
  agentUpdateFrameSchema,
  agentGoneFrameSchema,
  rpcResponseFrameSchema,
  sessionReportFrameSchema,
  eventFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  drainFrameSchema,
]);

// ---------------------------------------------------------------------------------------------
// Controller → runner
// ---------------------------------------------------------------------------------------------

/** Successful `hello`: the negotiated terms of this connection. */
export const welcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  protocol: z.object({
    /** The controller's own version. */
    version: z.string().max(64),
    supported: z.object({ min: z.string().max(64), max: z.string().max(64) }),
  }),
  /** Intersection of what the runner offered and the controller supports. */
  capabilities: z.array(z.string().max(64)),
  heartbeatIntervalMs: z.number().int().positive(),
  staleAfterMs: z.number().int().positive(),
  limits: z.object({
    maxFrameBytes: z.number().int().positive(),
    maxFramesPerSecond: z.number().int().positive(),
  }),
  /** Opaque id of this connection, for correlating logs on both sides. */
  connectionId: z.string().max(64).optional(),
});

/**
 * An error about the connection or a frame. `fatal: true` means the controller closes the socket
 * right after (close code from `closeFor`). `ref` names the frame it is about when known.
 */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: errorCodeSchema,
  message: z.string().max(1024),
  fatal: z.boolean(),
  ref: z.object({ id: rpcIdSchema.optional(), agentId: agentIdSchema.optional() }).optional(),
});

function rpcRequestSchemaFor<const Op extends RpcOp>(op: Op) {
  return z.object({
    type: z.literal('rpc.request'),
    id: rpcIdSchema,
    agentId: agentIdSchema,
    op: z.literal(op),
    params: rpcOps[op].params as (typeof rpcOps)[Op]['params'],
    timeoutMs: z.number().int().min(1).max(MAX_RPC_TIMEOUT_MS),
  });
}

/**
 * Asks one agent to run `op` with `params` (validated against the op's params schema). The
 * agent answers with `rpc.response` carrying the same `id` within `timeoutMs`.
 */
export const rpcRequestFrameSchema = z.discriminatedUnion('op', [
  rpcRequestSchemaFor('voice.join'),
  rpcRequestSchemaFor('voice.leave'),
  rpcRequestSchemaFor('music.play'),
  rpcRequestSchemaFor('music.search'),
  rpcRequestSchemaFor('music.skip'),
  rpcRequestSchemaFor('music.pause'),
  rpcRequestSchemaFor('music.resume'),
  rpcRequestSchemaFor('music.stop'),
  rpcRequestSchemaFor('music.volume'),
  rpcRequestSchemaFor('music.queue'),
  rpcRequestSchemaFor('music.nowplaying'),
  rpcRequestSchemaFor('music.remove'),
  rpcRequestSchemaFor('music.move'),
  rpcRequestSchemaFor('music.shuffle'),
  rpcRequestSchemaFor('music.clear'),
  rpcRequestSchemaFor('music.loop'),
  rpcRequestSchemaFor('assistant.join'),
  rpcRequestSchemaFor('assistant.say'),
  rpcRequestSchemaFor('assistant.leave'),
  rpcRequestSchemaFor('assistant.status'),
  rpcRequestSchemaFor('session.resume'),
  rpcRequestSchemaFor('session.report'),
  rpcRequestSchemaFor('status'),
]);

/** The controller is going down; the runner should reconnect after `reconnectAfterMs` if given. */
export const shutdownFrameSchema = z.object({
  type: z.literal('shutdown'),
  reason: z.string().max(256),
  reconnectAfterMs: z.number().int().nonnegative().optional(),
});

/** Every frame the controller may send, discriminated by `type`. */
export const controllerFrameSchema = z.discriminatedUnion('type', [
  welcomeFrameSchema,
  errorFrameSchema,
  rpcRequestFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  shutdownFrameSchema,
]);

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type PingFrame = z.infer<typeof pingFrameSchema>;
export type PongFrame = z.infer<typeof pongFrameSchema>;
export type HelloFrame = z.infer<typeof helloFrameSchema>;
export type AgentAnnounceFrame = z.infer<typeof agentAnnounceFrameSchema>;
export type AgentUpdateFrame = z.infer<typeof agentUpdateFrameSchema>;
export type AgentGoneFrame = z.infer<typeof agentGoneFrameSchema>;
export type RpcResponseFrame = z.infer<typeof rpcResponseFrameSchema>;
export type SessionReportFrame = z.infer<typeof sessionReportFrameSchema>;
export type EventFrame = z.infer<typeof eventFrameSchema>;
export type DrainFrame = z.infer<typeof drainFrameSchema>;
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
export type RpcRequestFrame = z.infer<typeof rpcRequestFrameSchema>;
export type ShutdownFrame = z.infer<typeof shutdownFrameSchema>;
/** A frame sent by a runner. */
export type RunnerFrame = z.infer<typeof runnerFrameSchema>;
/** A frame sent by the controller. */
export type ControllerFrame = z.infer<typeof controllerFrameSchema>;
/** An `rpc.request` for one specific op. */
export type RpcRequestFrameFor<Op extends RpcOp> = Extract<RpcRequestFrame, { op: Op }>;
