import {
  DEFAULT_FRAME_BURST,
  DEFAULT_MAX_FRAMES_PER_SECOND,
  DEFAULT_RPC_TIMEOUT_MS,
  HEARTBEAT_INTERVAL_MS,
  HELLO_DEADLINE_MS,
  MAX_FRAME_BYTES,
  STALE_AFTER_MS,
} from '@app/protocol';

/** DI token of the {@link RunnerAuthenticator} port (runner credential check). */
export const RUNNER_AUTHENTICATOR = Symbol('RUNNER_AUTHENTICATOR');
/** DI token of the {@link AgentLeaseChecker} port (which agents a runner holds leases on). */
export const AGENT_LEASE_CHECKER = Symbol('AGENT_LEASE_CHECKER');

/** Default TCP port of the agent gateway (SPEC §1). */
export const DEFAULT_AGENT_CONTROL_PORT = 8787;
/** Default interface the agent gateway binds. */
export const DEFAULT_AGENT_CONTROL_HOST = '0.0.0.0';
/** Default total connection cap (sockets, authenticated or not). Agents per connection are unlimited. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;
/**
 * Hard ceiling on one WebSocket message (bytes), enforced by `ws` itself (`maxPayload`), which
 * closes the socket with 1009 "Message Too Big" (RFC 6455 §7.4.1; `ws` 8 `lib/receiver.js`).
 * The protocol cap (64 KiB) is checked by the gateway below this ceiling, so an oversized frame
 * up to the ceiling gets a `frame-too-large` error and the connection stays open (ACCEPTANCE P5).
 */
export const DEFAULT_HARD_MAX_FRAME_BYTES = 1024 * 1024;
/** Frames received while a connection authenticates are held (in order) up to this many. */
export const MAX_FRAMES_QUEUED_DURING_HELLO = 64;
/**
 * Sockets that have not authenticated yet (no accepted `hello`) held at once: a separate, small
 * budget so unauthenticated clients can never take the slots of authenticated runners.
 */
export const DEFAULT_MAX_PENDING_HELLOS = 64;
/** How long shutdown waits for runners to acknowledge the close before terminating sockets (ms). */
export const SHUTDOWN_CLOSE_GRACE_MS = 1_000;

/** Circuit breaker defaults (opossum options; see `AgentCircuitBreakers`). */
export const DEFAULT_BREAKER_OPTIONS = {
  /** Calls in the rolling window before the breaker may open. */
  volumeThreshold: 5,
  /** Transport-failure percentage (of calls in the window) that opens the breaker. */
  errorThresholdPercentage: 50,
  /** Rolling statistics window, ms. */
  rollingWindowMs: 30_000,
  /** How long the breaker stays open before one trial call is let through (half-open), ms. */
  resetTimeoutMs: 15_000,
} as const;

/** Every default of {@link AgentGatewayOptions}, in one place. */
export const AGENT_GATEWAY_DEFAULTS = {
  port: DEFAULT_AGENT_CONTROL_PORT,
  host: DEFAULT_AGENT_CONTROL_HOST,
  helloDeadlineMs: HELLO_DEADLINE_MS,
  staleAfterMs: STALE_AFTER_MS,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  maxFrameBytes: MAX_FRAME_BYTES,
  hardMaxFrameBytes: DEFAULT_HARD_MAX_FRAME_BYTES,
  maxFramesPerSecond: DEFAULT_MAX_FRAMES_PER_SECOND,
  frameBurst: DEFAULT_FRAME_BURST,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxPendingHellos: DEFAULT_MAX_PENDING_HELLOS,
  defaultRpcTimeoutMs: DEFAULT_RPC_TIMEOUT_MS,
  breaker: DEFAULT_BREAKER_OPTIONS,
} as const;
