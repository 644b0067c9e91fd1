import { AGENT_GATEWAY_DEFAULTS } from './agent-gateway.constants';

/** Circuit breaker tuning per agent (opossum). */
export interface AgentBreakerOptions {
  /** Calls in the rolling window before the breaker may open (default 5). */
  volumeThreshold: number;
  /** Transport-failure percentage that opens the breaker, 1–100 (default 50). */
  errorThresholdPercentage: number;
  /** Rolling statistics window in ms (default 30 000). */
  rollingWindowMs: number;
  /** Open → half-open after this many ms (default 15 000). */
  resetTimeoutMs: number;
}

/**
 * Options of `AgentGatewayModule.forRootAsync`. Every field is optional; defaults come from
 * `@app/protocol` (SPEC §4) and {@link AGENT_GATEWAY_DEFAULTS}. Times are ms, sizes bytes.
 */
export interface AgentGatewayOptions {
  /** TCP port (`AGENT_CONTROL_PORT`, default 8787; 0 = any free port, for tests). */
  port?: number;
  /** Interface to bind (`AGENT_CONTROL_HOST`, default 0.0.0.0). */
  host?: string;
  /** A socket without an accepted `hello` after this long is closed 1008 `hello-required` (default 8 000). */
  helloDeadlineMs?: number;
  /** A socket silent for longer than this is terminated (default 45 000). */
  staleAfterMs?: number;
  /** Interval of the controller's `ping` frames (default 15 000). */
  heartbeatIntervalMs?: number;
  /** Protocol frame cap; larger frames get `frame-too-large` and are ignored (default 65 536). */
  maxFrameBytes?: number;
  /** Hard ceiling enforced by `ws` (close 1009); must exceed `maxFrameBytes` (default 1 MiB). */
  hardMaxFrameBytes?: number;
  /** Per-connection frame rate (token bucket refill per second, default 200). */
  maxFramesPerSecond?: number;
  /** Per-connection token bucket size (default 400). */
  frameBurst?: number;
  /**
   * Authenticated runner connections held at once; a runner authenticating beyond it is refused
   * with 1013 `connection-limit` (default 1 000). Sockets still in admission do not count here:
   * they have their own budget, {@link maxPendingHellos}.
   */
  maxConnections?: number;
  /**
   * Sockets without an accepted `hello` held at once (default 64). When a new socket arrives with
   * the budget full, the oldest socket that has sent nothing yet is closed 1013
   * `connection-limit` to make room (a real runner sends its `hello` right after connecting, so it
   * is never the oldest silent socket for long); when every pending socket is already being
   * authenticated, the new socket itself is closed 1013. Either refusal counts in
   * `chopsticks_gateway_rejected_registrations_total{reason="connection-limit"}`.
   */
  maxPendingHellos?: number;
  /** RPC timeout when a call gives none (default 10 000, at most 60 000). */
  defaultRpcTimeoutMs?: number;
  /** Per-agent circuit breaker tuning. */
  breaker?: Partial<AgentBreakerOptions>;
}

/** {@link AgentGatewayOptions} with every default applied. */
export type ResolvedAgentGatewayOptions = Required<Omit<AgentGatewayOptions, 'breaker'>> & {
  breaker: AgentBreakerOptions;
};

/**
 * Applies defaults and checks consistency.
 * @throws RangeError when a number is out of range or `hardMaxFrameBytes <= maxFrameBytes`.
 */
export function resolveAgentGatewayOptions(options: AgentGatewayOptions = {}): ResolvedAgentGatewayOptions {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as AgentGatewayOptions;
  const resolved: ResolvedAgentGatewayOptions = {
    ...AGENT_GATEWAY_DEFAULTS,
    ...defined,
    breaker: { ...AGENT_GATEWAY_DEFAULTS.breaker, ...(options.breaker ?? {}) },
  };
  const positive: (keyof ResolvedAgentGatewayOptions)[] = [
    'helloDeadlineMs',
    'staleAfterMs',
    'heartbeatIntervalMs',
    'maxFrameBytes',
    'hardMaxFrameBytes',
    'maxFramesPerSecond',
    'frameBurst',
    'maxConnections',
    'maxPendingHellos',
    'defaultRpcTimeoutMs',
  ];
  for (const key of positive) {
    const value = resolved[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`agent gateway option ${key} must be a positive number`);
    }
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new RangeError('agent gateway option port must be 0–65535');
  }
  if (resolved.hardMaxFrameBytes <= resolved.maxFrameBytes) {
    throw new RangeError('agent gateway option hardMaxFrameBytes must exceed maxFrameBytes');
  }
  return resolved;
}
