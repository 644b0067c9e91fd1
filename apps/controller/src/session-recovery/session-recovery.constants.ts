/** DI token of {@link SessionRecoveryOptions}. */
export const SESSION_RECOVERY_OPTIONS = Symbol('SESSION_RECOVERY_OPTIONS');

/** Default idle-release threshold (s) when a guild has no override (SPEC §5: 30 min). */
export const DEFAULT_IDLE_RELEASE_SECONDS = 1800;

/** Default period of the idle sweep (s, SPEC §5). */
export const DEFAULT_IDLE_SWEEP_INTERVAL_SECONDS = 60;

/** Agents tried per failover before the session is released with a notice. */
export const FAILOVER_MAX_ATTEMPTS = 2;

/**
 * How long (s) a session must have been bound, and then missing from its agent's session reports,
 * before reconciliation ends it as lost (allocations in flight bind before the agent's player exists).
 */
export const DEFAULT_SESSION_RECONCILE_GRACE_SECONDS = 15;

/**
 * How long (ms) an agent whose runner is connected may stay not ready (Discord gateway lost and not
 * resumed) while holding a session before the session fails over (`AGENT_NOT_READY_FAILOVER_MS`,
 * `LAVALINK_OUTAGE_SECONDS`).
 * A normal gateway resume or re-identify takes a few seconds.
 */
export const DEFAULT_AGENT_NOT_READY_FAILOVER_MS = 15_000;

/**
 * How long (s) an agent holding a music session may report no connected Lavalink node before the
 * session fails over or ends (`LAVALINK_OUTAGE_SECONDS`; the runners' resume timeout, default 60).
 */
export const DEFAULT_LAVALINK_OUTAGE_SECONDS = 60;

/** Tuning of the session-recovery feature (from `IDLE_RELEASE_SECONDS`, `IDLE_SWEEP_INTERVAL_SECONDS`, `AGENT_NOT_READY_FAILOVER_MS`,
 * `LAVALINK_OUTAGE_SECONDS`). */
export interface SessionRecoveryOptions {
  /** Idle threshold (s) for guilds without an override. */
  idleReleaseSeconds: number;
  /** Period of the idle sweep (s). */
  idleSweepIntervalSeconds: number;
  /** Reconciliation grace (s); default {@link DEFAULT_SESSION_RECONCILE_GRACE_SECONDS}. */
  sessionReconcileGraceSeconds?: number;
  /** Not-ready grace (ms) before failover; default {@link DEFAULT_AGENT_NOT_READY_FAILOVER_MS}. */
  agentNotReadyFailoverMs?: number;
  /** Lavalink outage limit (s); default {@link DEFAULT_LAVALINK_OUTAGE_SECONDS}. */
  lavalinkOutageSeconds?: number;
}
