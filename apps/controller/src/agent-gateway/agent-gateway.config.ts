import { z } from 'zod';
import { env } from '@app/config';
import { MAX_RPC_TIMEOUT_MS } from '@app/protocol';
import { AGENT_GATEWAY_DEFAULTS } from './agent-gateway.constants';
import type { AgentGatewayOptions } from './agent-gateway.options';

const defaults = AGENT_GATEWAY_DEFAULTS;

/**
 * Environment slice of the agent gateway, spread into the controller's env schema:
 * - `AGENT_CONTROL_PORT` (8787), `AGENT_CONTROL_HOST` (0.0.0.0): where runners connect.
 * - `AGENT_HELLO_DEADLINE_MS` (8 000), `AGENT_STALE_AFTER_MS` (45 000),
 *   `AGENT_HEARTBEAT_INTERVAL_MS` (15 000): admission and liveness timers.
 * - `AGENT_MAX_FRAME_BYTES` (65 536), `AGENT_MAX_FRAMES_PER_SECOND` (200), `AGENT_FRAME_BURST`
 *   (400): per-connection guards. `AGENT_MAX_CONNECTIONS` (1 000): authenticated runner
 *   connections. `AGENT_MAX_PENDING_HELLOS` (64): sockets that have not authenticated yet (their
 *   own budget, so unauthenticated clients never take the runners' slots).
 * - `AGENT_RPC_TIMEOUT_MS` (10 000): default RPC timeout.
 */
export const agentGatewayEnvShape = {
  AGENT_CONTROL_PORT: env.port(defaults.port),
  AGENT_CONTROL_HOST: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().min(1).default(defaults.host),
  ),
  AGENT_HELLO_DEADLINE_MS: env.int(defaults.helloDeadlineMs, 100, 120_000),
  AGENT_STALE_AFTER_MS: env.int(defaults.staleAfterMs, 1_000, 600_000),
  AGENT_HEARTBEAT_INTERVAL_MS: env.int(defaults.heartbeatIntervalMs, 100, 300_000),
  AGENT_MAX_FRAME_BYTES: env.int(defaults.maxFrameBytes, 1_024, defaults.hardMaxFrameBytes - 1),
  AGENT_MAX_FRAMES_PER_SECOND: env.int(defaults.maxFramesPerSecond, 1, 100_000),
  AGENT_FRAME_BURST: env.int(defaults.frameBurst, 1, 100_000),
  AGENT_MAX_CONNECTIONS: env.int(defaults.maxConnections, 1, 100_000),
  AGENT_MAX_PENDING_HELLOS: env.int(defaults.maxPendingHellos, 1, 100_000),
  AGENT_RPC_TIMEOUT_MS: env.int(defaults.defaultRpcTimeoutMs, 1, MAX_RPC_TIMEOUT_MS),
};

/** Parsed gateway environment. */
export type AgentGatewayEnv = z.output<z.ZodObject<typeof agentGatewayEnvShape>>;

/** Maps the parsed env slice to `AgentGatewayModule` options. */
export function agentGatewayOptionsFromEnv(parsed: AgentGatewayEnv): AgentGatewayOptions {
  return {
    port: parsed.AGENT_CONTROL_PORT,
    host: parsed.AGENT_CONTROL_HOST,
    helloDeadlineMs: parsed.AGENT_HELLO_DEADLINE_MS,
    staleAfterMs: parsed.AGENT_STALE_AFTER_MS,
    heartbeatIntervalMs: parsed.AGENT_HEARTBEAT_INTERVAL_MS,
    maxFrameBytes: parsed.AGENT_MAX_FRAME_BYTES,
    maxFramesPerSecond: parsed.AGENT_MAX_FRAMES_PER_SECOND,
    frameBurst: parsed.AGENT_FRAME_BURST,
    maxConnections: parsed.AGENT_MAX_CONNECTIONS,
    maxPendingHellos: parsed.AGENT_MAX_PENDING_HELLOS,
    defaultRpcTimeoutMs: parsed.AGENT_RPC_TIMEOUT_MS,
  };
}
