/**
 * Defaults for live allocation (SPEC §5). All are overridable through `SessionsModule.forRoot`.
 */

/**
 * Most concurrent sessions in one guild: Discord lets a guild hold 50 bots and the controller is
 * one of them, so at most 49 agents (each in one voice channel per guild) can serve a guild.
 */
export const MAX_SESSIONS_PER_GUILD = 49;
/** How long an admin pin (`/agents assign`) holds an agent for a voice channel (ms). */
export const PIN_TTL_MS = 5 * 60_000;
/** Half-life of an agent's transport-failure score (ms): one failure weighs half after this. */
export const ERROR_SCORE_HALF_LIFE_MS = 60_000;
/** Weight of the newest sample in the RTT and RPC-latency moving averages (0–1). */
export const LATENCY_EWMA_ALPHA = 0.2;
/** How long a session ended by its agent going offline is remembered for lookups (ms, A6). */
export const TOMBSTONE_TTL_MS = 10 * 60_000;
/** Most remembered ended sessions; the oldest are forgotten first. */
export const MAX_TOMBSTONES = 10_000;
/** How many former connection ids an agent remembers as retired (ownership safety). */
export const RETIRED_CONNECTIONS_PER_AGENT = 4;

/** Why a session ended. Bounded set: safe as a metric label value. */
export const ReleaseReason = {
  /** A user or command asked (e.g. `/music leave`). */
  User: 'user',
  /** An admin released it (`/agents release`, admin API). */
  Admin: 'admin',
  /** The idle sweep released it (SPEC §5). */
  Idle: 'idle',
  /** The agent left by itself after the last human left. */
  HumansLeft: 'humans-left',
  /** The agent disconnected or was removed. */
  AgentOffline: 'agent-offline',
  /** The agent was disconnected from voice from outside (a moderator, the channel deleted). */
  AgentDisconnected: 'agent-disconnected',
  /** The agent no longer holds the session (its player could not be kept or rebuilt). */
  SessionLost: 'session-lost',
  /** The agent is no longer a member of the guild. */
  AgentLeftGuild: 'agent-left-guild',
  /** Playback ended (queue end, stop). */
  Ended: 'ended',
  /** The session moved to another agent (failover). */
  Failover: 'failover',
  /** The controller or runner is shutting down. */
  Shutdown: 'shutdown',
} as const;
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason];
