import { CloseCode, MAX_CLOSE_REASON_BYTES } from './protocol.constants';

/**
 * Error codes shared by controller and runner: in `error` frames, failed `rpc.response` frames,
 * allocation results and close reasons. Values are stable wire strings.
 */
export enum ProtocolErrorCode {
  // Admission and framing
  /** No valid `hello` arrived in time, or a frame other than `hello` came first. */
  HelloRequired = 'hello-required',
  /** Missing or wrong runner credential. */
  AuthFailed = 'auth-failed',
  /** The `hello` carried no protocol version. */
  VersionRequired = 'version-required',
  /** The offered protocol version is outside the supported range. */
  VersionUnsupported = 'version-unsupported',
  /** The frame exceeded the byte cap; it was ignored. */
  FrameTooLarge = 'frame-too-large',
  /** Not JSON, not an object, unknown `type`, or a schema failure. */
  FrameInvalid = 'frame-invalid',
  /** The connection exceeded its frame rate cap; excess frames were dropped. */
  RateLimited = 'rate-limited',
  /** The total connection cap is reached. */
  ConnectionLimit = 'connection-limit',
  /** The socket was silent longer than the stale limit. */
  Stale = 'stale',
  /** A newer connection took over this agent or runner. */
  Replaced = 'replaced',
  /** The peer is shutting down or draining. */
  ShuttingDown = 'shutting-down',

  // Agents and RPC
  /** The runner announced an agent that is not leased to it. */
  AgentNotLeased = 'agent-not-leased',
  /** The agent is not connected (or disconnected while a call was pending). */
  AgentOffline = 'agent-offline',
  /** The agent did not answer within the call's timeout. */
  AgentTimeout = 'agent-timeout',
  /** The agent already holds a session in that guild. */
  AgentBusy = 'agent-busy',
  /** The agent's circuit breaker is open after repeated transport failures. */
  CircuitOpen = 'circuit-open',
  /** The op is unknown to the agent, or its capability was not negotiated. */
  UnsupportedOp = 'unsupported-op',
  /** The op's params failed validation at the agent. */
  InvalidParams = 'invalid-params',

  // Domain (music, assistant, sessions)
  /** The agent is not in a voice channel in that guild. */
  NotInVoice = 'not-in-voice',
  /** Nothing is playing. */
  NotPlaying = 'not-playing',
  /** A queue index is outside the queue. */
  QueueIndexOutOfRange = 'queue-index-out-of-range',
  /** The search or play query found nothing. */
  NoResults = 'no-results',
  /** No Lavalink node is usable. */
  LavalinkUnavailable = 'lavalink-unavailable',
  /** No session exists for the key. */
  NoSession = 'no-session',

  // Allocation
  /** No live, ready agent is a member of the guild. */
  NoAgentsInGuild = 'no-agents-in-guild',
  /** Every usable agent in the guild is busy, or the guild is at its session cap. */
  NoFreeAgents = 'no-free-agents',
  /** Agents exist in the guild, but none belongs to a pool the guild may use. */
  PoolNotAccessible = 'pool-not-accessible',

  /** Anything unexpected; the message is generic and details are logged with an id. */
  Internal = 'internal',
}

/** Every error code, for schemas (`z.enum`). */
export const PROTOCOL_ERROR_CODES = Object.values(ProtocolErrorCode) as [
  ProtocolErrorCode,
  ...ProtocolErrorCode[],
];

/**
 * Transport failures: the link to the agent (or the frames on it) failed. Only these count toward
 * an agent's circuit breaker and health score (SPEC §4). Every other code is a domain answer from
 * a working agent (e.g. `not-in-voice`) and must never open the breaker.
 */
export const TRANSPORT_ERROR_CODES: ReadonlySet<ProtocolErrorCode> = new Set([
  ProtocolErrorCode.AgentOffline,
  ProtocolErrorCode.AgentTimeout,
  ProtocolErrorCode.FrameInvalid,
  ProtocolErrorCode.FrameTooLarge,
]);

/** True when `code` is a transport failure that counts toward the circuit breaker. */
export function isTransportFailure(code: ProtocolErrorCode): boolean {
  return TRANSPORT_ERROR_CODES.has(code);
}

/**
 * An error carrying a protocol code, thrown by this lib's encoders and usable by the gateway and
 * runner. `message` must be safe to send to the peer and to log (never a credential or token).
 */
export class ProtocolException extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolException';
  }
}

/** Close code and reason for closing a socket because of `code`. */
export interface CloseInstruction {
  code: CloseCode;
  /** Reason text, at most 123 UTF-8 bytes (RFC 6455 §5.5). */
  reason: string;
}

/**
 * Which close code the gateway (or runner) uses when a connection ends because of `code`.
 * Admission failures are policy violations (1008, SPEC §4 / ACCEPTANCE P1, P3, P4); the reason is
 * the error code itself (short, stable, machine readable), optionally followed by `: detail`.
 */
export function closeFor(code: ProtocolErrorCode, detail?: string): CloseInstruction {
  const reason = truncateCloseReason(detail ? `${code}: ${detail}` : code);
  switch (code) {
    case ProtocolErrorCode.ShuttingDown:
    case ProtocolErrorCode.Replaced:
      return { code: CloseCode.GoingAway, reason };
    case ProtocolErrorCode.ConnectionLimit:
      return { code: CloseCode.TryAgainLater, reason };
    case ProtocolErrorCode.Internal:
      return { code: CloseCode.InternalError, reason };
    case ProtocolErrorCode.HelloRequired:
    case ProtocolErrorCode.AuthFailed:
    case ProtocolErrorCode.VersionRequired:
    case ProtocolErrorCode.VersionUnsupported:
    case ProtocolErrorCode.FrameTooLarge:
    case ProtocolErrorCode.FrameInvalid:
    case ProtocolErrorCode.RateLimited:
    case ProtocolErrorCode.Stale:
    case ProtocolErrorCode.AgentNotLeased:
    case ProtocolErrorCode.AgentOffline:
    case ProtocolErrorCode.AgentTimeout:
    case ProtocolErrorCode.AgentBusy:
    case ProtocolErrorCode.CircuitOpen:
    case ProtocolErrorCode.UnsupportedOp:
    case ProtocolErrorCode.InvalidParams:
    case ProtocolErrorCode.NotInVoice:
    case ProtocolErrorCode.NotPlaying:
    case ProtocolErrorCode.QueueIndexOutOfRange:
    case ProtocolErrorCode.NoResults:
    case ProtocolErrorCode.LavalinkUnavailable:
    case ProtocolErrorCode.NoSession:
    case ProtocolErrorCode.NoAgentsInGuild:
    case ProtocolErrorCode.NoFreeAgents:
    case ProtocolErrorCode.PoolNotAccessible:
      return { code: CloseCode.PolicyViolation, reason };
  }
}

/** Cuts `reason` to at most 123 UTF-8 bytes without splitting a character. */
export function truncateCloseReason(reason: string): string {
  if (Buffer.byteLength(reason, 'utf8') <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let bytes = 0;
  for (const char of reason) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > MAX_CLOSE_REASON_BYTES) break;
    out += char;
    bytes += size;
  }
  return out;
}
