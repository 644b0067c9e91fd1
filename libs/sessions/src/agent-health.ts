/**
 * An agent's health as the controller measures it. Times are epoch ms; latencies are ms.
 */
export interface AgentHealth {
  /** Exponentially weighted moving average of the connection's ping/pong round trip; null = none yet. */
  rttMs: number | null;
  /** Moving average of successful RPC latency; null = none yet. */
  rpcLatencyMs: number | null;
  /** Transport-failure score as of `errorScoreAt`; decays by half every half-life. */
  errorScore: number;
  errorScoreAt: number;
  /** Last time the agent (or its connection) was heard from. */
  lastSeenAt: number;
  /** Transport failures since the agent came up (never decays; for diagnostics). */
  transportFailures: number;
}

/** One RPC outcome for {@link AgentRegistry.recordRpc}. */
export interface RpcOutcome {
  /** True when the agent answered `ok: true`. */
  ok: boolean;
  /**
   * True for transport failures only (`agent-timeout`, `agent-offline`, invalid frames — see
   * `isTransportFailure` in `@app/protocol`). Domain errors (`not-in-voice`, …) are false.
   */
  transportFailure: boolean;
  /** Round-trip latency of the call (ms); ignored for transport failures. */
  latencyMs: number;
}

/** A fresh health record for an agent that just came up at `now`. */
export function newAgentHealth(now: number): AgentHealth {
  return {
    rttMs: null,
    rpcLatencyMs: null,
    errorScore: 0,
    errorScoreAt: now,
    lastSeenAt: now,
    transportFailures: 0,
  };
}

/** Moving average: the first sample is taken as is. */
export function ewma(previous: number | null, sample: number, alpha: number): number {
  return previous === null ? sample : previous + alpha * (sample - previous);
}

/** The transport-failure score at `now`, after exponential decay with `halfLifeMs`. */
export function decayedErrorScore(health: AgentHealth, now: number, halfLifeMs: number): number {
  if (health.errorScore === 0) return 0;
  const elapsed = now - health.errorScoreAt;
  return elapsed <= 0 ? health.errorScore : health.errorScore * Math.pow(0.5, elapsed / halfLifeMs);
}

/**
 * Health score 0–100 (higher is healthier), coarse on purpose so that agents with similar health
 * tie and fair rotation decides between them:
 * - each recent transport failure costs 20 points (decaying; at most 80),
 * - RTT costs 5 points per full 100 ms (at most 20).
 * A fresh agent scores 100; one timeout drops it to 80 (ACCEPTANCE R2).
 */
export function healthScore(health: AgentHealth, now: number, halfLifeMs: number): number {
  const errors = decayedErrorScore(health, now, halfLifeMs);
  const errorPenalty = errors === 0 ? 0 : Math.min(80, Math.round(errors * 20));
  const rtt = health.rttMs ?? 0;
  const rttPenalty = Math.min(20, Math.floor(rtt / 100) * 5);
  return 100 - errorPenalty - rttPenalty;
}
