import {
  CloseCode,
  type CloseInstruction,
  type ErrorFrame,
  ProtocolErrorCode,
  closeFor,
  isTransportFailure,
  type RpcOp,
} from '@app/protocol';

/**
 * Why the agent gateway refused a connection or a frame. Values are stable strings; several map
 * to the same wire code (both credential failures are `auth-failed` on the wire, but are counted
 * apart in `chopsticks_gateway_rejected_registrations_total{reason}`).
 */
export enum GatewayErrorCode {
  /** The first frame was not a `hello`, or none arrived before the hello deadline. */
  HelloRequired = 'hello-required',
  /** `hello` without a credential. */
  MissingCredential = 'missing-credential',
  /** Unknown runner, revoked runner or wrong secret. */
  InvalidCredential = 'invalid-credential',
  /** `hello` without a protocol version. */
  VersionRequired = 'version-required',
  /** Offered protocol version outside the supported range. */
  VersionUnsupported = 'version-unsupported',
  /** `hello` that is not valid JSON or fails its schema. */
  InvalidHello = 'invalid-hello',
  /** A frame above the protocol cap (ignored; the connection stays open). */
  FrameTooLarge = 'frame-too-large',
  /** An invalid frame after `hello` (ignored). */
  FrameInvalid = 'frame-invalid',
  /** Frames dropped by the per-connection rate cap. */
  RateLimited = 'rate-limited',
  /** The total connection cap is reached. */
  ConnectionLimit = 'connection-limit',
  /** The socket was silent past the stale limit. */
  Stale = 'stale',
  /** The controller is shutting down. */
  ShuttingDown = 'shutting-down',
  /** An announced agent is not leased to this runner. */
  AgentNotLeased = 'agent-not-leased',
  /** A newer connection owns the agent this frame is about. */
  Replaced = 'replaced',
  /**
   * A newer connection authenticated with the same runner id: a runner id is one process, so the
   * older connection is closed 1008 `replaced` and its process must stop (never reconnect).
   */
  RunnerReplaced = 'runner-replaced',
  /** Unexpected failure (e.g. Postgres down during authentication). */
  Internal = 'internal',
}

/** Thrown inside the gateway for refusals; turned into an `error` frame by {@link toErrorFrame}. */
export class GatewayException extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    /** Safe to send to the runner and to log: never contains a credential. */
    message: string,
    /** The agent the error is about, when there is one. */
    readonly agentId?: string,
  ) {
    super(message);
    this.name = 'GatewayException';
  }
}

/** What the gateway does with a {@link GatewayException}: the frame to send and whether to close. */
export interface GatewayErrorOutcome {
  frame: ErrorFrame;
  /** Close instruction when the error ends the connection (`frame.fatal`). */
  close: CloseInstruction | null;
}

/**
 * The single place where gateway refusals become protocol `error` frames (and close codes):
 * admission failures are fatal and close with 1008 (SPEC §4, ACCEPTANCE P1, P3, P4), connection
 * limit 1013, internal 1011, shutdown 1001; frame-level refusals are not fatal (P5, P6, P2).
 */
export function toErrorFrame(exception: GatewayException): GatewayErrorOutcome {
  const [wire, fatal] = wireCodeOf(exception.code);
  const frame: ErrorFrame = {
    type: 'error',
    code: wire,
    message: exception.message.slice(0, 1024),
    fatal,
    ...(exception.agentId ? { ref: { agentId: exception.agentId } } : {}),
  };
  return { frame, close: fatal ? closeOf(exception.code, wire) : null };
}

/**
 * The close instruction of a fatal error. A replaced runner connection closes with 1008 (policy:
 * one process per runner id) and reason `replaced`, not the 1001 `closeFor` gives `replaced`,
 * so a runner can tell "stop for good" from "the controller is going away, reconnect".
 */
function closeOf(code: GatewayErrorCode, wire: ProtocolErrorCode): CloseInstruction {
  if (code === GatewayErrorCode.RunnerReplaced)
    return { code: CloseCode.PolicyViolation, reason: ProtocolErrorCode.Replaced };
  return closeFor(wire);
}

function wireCodeOf(code: GatewayErrorCode): [ProtocolErrorCode, boolean] {
  switch (code) {
    case GatewayErrorCode.HelloRequired:
      return [ProtocolErrorCode.HelloRequired, true];
    case GatewayErrorCode.MissingCredential:
    case GatewayErrorCode.InvalidCredential:
      return [ProtocolErrorCode.AuthFailed, true];
    case GatewayErrorCode.VersionRequired:
      return [ProtocolErrorCode.VersionRequired, true];
    case GatewayErrorCode.VersionUnsupported:
      return [ProtocolErrorCode.VersionUnsupported, true];
    case GatewayErrorCode.InvalidHello:
      return [ProtocolErrorCode.FrameInvalid, true];
    case GatewayErrorCode.ConnectionLimit:
      return [ProtocolErrorCode.ConnectionLimit, true];
    case GatewayErrorCode.Stale:
      return [ProtocolErrorCode.Stale, true];
    case GatewayErrorCode.ShuttingDown:
      return [ProtocolErrorCode.ShuttingDown, true];
    case GatewayErrorCode.Internal:
      return [ProtocolErrorCode.Internal, true];
    case GatewayErrorCode.RunnerReplaced:
      return [ProtocolErrorCode.Replaced, true];
    case GatewayErrorCode.FrameTooLarge:
      return [ProtocolErrorCode.FrameTooLarge, false];
    case GatewayErrorCode.FrameInvalid:
      return [ProtocolErrorCode.FrameInvalid, false];
    case GatewayErrorCode.RateLimited:
      return [ProtocolErrorCode.RateLimited, false];
    case GatewayErrorCode.AgentNotLeased:
      return [ProtocolErrorCode.AgentNotLeased, false];
    case GatewayErrorCode.Replaced:
      return [ProtocolErrorCode.Replaced, false];
  }
}

/**
 * A failed controller → agent RPC. `code` is a protocol error code: transport failures
 * (`agent-timeout`, `agent-offline`, `frame-invalid` results) have `transport: true` and count
 * toward the agent's circuit breaker and health; anything the agent answered (e.g. `not-in-voice`)
 * is a domain error with `transport: false`. `circuit-open`, `rate-limited` and `invalid-params`
 * are decided locally and count toward neither.
 */
export class AgentRpcException extends Error {
  readonly transport: boolean;

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly agentId: string,
    readonly op: RpcOp,
  ) {
    super(message);
    this.name = 'AgentRpcException';
    this.transport = isTransportFailure(code);
  }
}
