/**
 * Protocol constants shared by the controller's agent gateway and the agent runner.
 * Every number here is a default; the controller announces the values it enforces in `welcome`.
 */

/** The protocol version this build speaks (semantic version, `major.minor.patch`). */
export const PROTOCOL_VERSION = '1.0.0';

/**
 * Versions this build accepts from a peer: any `1.x.y` at or above `1.0.0`. Minor and patch
 * differences are compatible by contract (additive fields only); a different major is refused.
 */
export const SUPPORTED_PROTOCOL_RANGE = { min: '1.0.0', max: '1.x' } as const;

/** Largest frame either side accepts, in bytes of UTF-8 JSON (64 KiB, SPEC §4). */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Default per-connection frame rate cap (frames per second, token bucket refill) and the bucket
 * size. Sized so one runner carrying hundreds of agents fits comfortably: announces are batched
 * into few frames, and steady state is a few events per playing agent per track.
 */
export const DEFAULT_MAX_FRAMES_PER_SECOND = 200;
/** Token bucket capacity: how many frames may arrive back to back before the rate applies. */
export const DEFAULT_FRAME_BURST = 400;

/** A socket that has not sent a valid, authenticated `hello` within this window is closed (ms). */
export const HELLO_DEADLINE_MS = 8_000;
/** A socket silent for longer than this is considered dead (half-open) and closed (ms). */
export const STALE_AFTER_MS = 45_000;
/** How often each side sends `ping` (ms); three missed intervals make a socket stale. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** Default RPC timeout when a call does not specify one (ms). */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
/** Longest RPC timeout a request may ask for (ms). */
export const MAX_RPC_TIMEOUT_MS = 60_000;

/** Longest music query a user may send (characters, SPEC §6). */
export const MAX_QUERY_LENGTH = 200;
/** Longest text the voice assistant will speak in one `assistant.say` (characters). */
export const MAX_SAY_LENGTH = 500;
/** Volume range accepted by `music.volume` (percent; Lavalink's filter volume allows 0–1000). */
export const MIN_VOLUME = 0;
export const MAX_VOLUME = 200;
/**
 * Most upcoming tracks carried in a queue snapshot (`session.resume`, session reports). The
 * frame cap still applies; a controller resuming a longer queue sends the first tracks only.
 */
export const MAX_QUEUE_SNAPSHOT_TRACKS = 100;

/**
 * Capabilities a peer may offer in `hello`; the controller answers with the intersection.
 * Unknown capability strings are ignored (forward compatible), never an error.
 */
export const Capability = {
  /** Serves the `music.*` ops (Lavalink). */
  Music: 'music',
  /** Serves the `assistant.*` ops. */
  Assistant: 'assistant',
  /** Serves `session.resume` (takes over a queue on failover). */
  SessionResume: 'session-resume',
  /** Sends `session.report` and answers the `session.report` op (reconciliation, A10). */
  SessionReport: 'session-report',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

/** Every capability this build implements, in a stable order. */
export const ALL_CAPABILITIES: readonly Capability[] = Object.values(Capability);

/**
 * WebSocket close codes used by the gateway. 1000, 1001, 1008 and 1011 are defined by RFC 6455
 * §7.4.1; 1013 "Try Again Later" is registered in the IANA WebSocket Close Code Number Registry.
 */
export const CloseCode = {
  /** Normal closure (RFC 6455 §7.4.1). */
  Normal: 1000,
  /** Endpoint going away: controller shutdown or runner drain (RFC 6455 §7.4.1). */
  GoingAway: 1001,
  /** Policy violation: missing/late hello, bad credential, unsupported version (RFC 6455 §7.4.1). */
  PolicyViolation: 1008,
  /** Unexpected condition on the server (RFC 6455 §7.4.1). */
  InternalError: 1011,
  /** Server overloaded, e.g. total connection cap reached (IANA registry). */
  TryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * A close reason is at most 123 bytes of UTF-8: a close frame is a control frame whose payload is
 * at most 125 bytes, two of which carry the code (RFC 6455 §5.5 and §5.5.1; `ws` throws above it).
 */
export const MAX_CLOSE_REASON_BYTES = 123;
