/**
 * Lifecycle of an agent registration (`agent_bots.status`). The single source of truth: the DB
 * CHECK constraint on `agent_bots.status` is generated from these values.
 */
export enum AgentStatus {
  Pending = 'pending',
  Active = 'active',
  Inactive = 'inactive',
  Suspended = 'suspended',
  Revoked = 'revoked',
  Failed = 'failed',
}

/** Who may see and deploy from a pool. */
export enum PoolVisibility {
  Public = 'public',
  Private = 'private',
}

/** A user's role in a pool (`pool_members.role`). */
export enum PoolMemberRole {
  Owner = 'owner',
  Manager = 'manager',
  Contributor = 'contributor',
  Viewer = 'viewer',
}

/** State of a token contributed to someone else's pool (`pool_contributions.status`). */
export enum ContributionStatus {
  Pending = 'pending',
  Approved = 'approved',
  Rejected = 'rejected',
}

/** Discord allows 50 bots per guild and the controller is one of them (SPEC §1). */
export const MAX_AGENTS_PER_POOL = 49;
export const DEFAULT_MAX_CONTRIBUTIONS_PER_USER = 3;

/** Allowed status changes; `revoked` is terminal (ACCEPTANCE K3). */
export const AGENT_STATUS_TRANSITIONS: Readonly<Record<AgentStatus, readonly AgentStatus[]>> = {
  [AgentStatus.Pending]: [AgentStatus.Active, AgentStatus.Inactive, AgentStatus.Revoked],
  [AgentStatus.Active]: [
    AgentStatus.Inactive,
    AgentStatus.Suspended,
    AgentStatus.Failed,
    AgentStatus.Revoked,
  ],
  [AgentStatus.Inactive]: [AgentStatus.Active, AgentStatus.Suspended, AgentStatus.Revoked],
  [AgentStatus.Suspended]: [AgentStatus.Active, AgentStatus.Inactive, AgentStatus.Revoked],
  [AgentStatus.Failed]: [
    AgentStatus.Active,
    AgentStatus.Inactive,
    AgentStatus.Suspended,
    AgentStatus.Revoked,
  ],
  [AgentStatus.Revoked]: [],
};

/** Login backoff after the n-th consecutive failure: min(30 s · 2^(n−1), 1 h) (ACCEPTANCE K5). */
export const LOGIN_BACKOFF_BASE_SECONDS = 30;
export const LOGIN_BACKOFF_MAX_SECONDS = 3600;

/** Statuses whose agents a runner may hold a lease for. */
export const LEASABLE_STATUSES: readonly AgentStatus[] = [AgentStatus.Active, AgentStatus.Failed];

/**
 * Agents a runner credential may hold when `runners create` gets no `--capacity`: the same as
 * the runner's own `RUNNER_CAPACITY` default, so an operator who sets neither gets one limit.
 */
export const DEFAULT_RUNNER_CAPACITY = 50;

/** Guild idle-release override: `null` = default, `0` = disabled, otherwise at least this. */
export const MIN_IDLE_RELEASE_SECONDS = 60;

/** DI token of the resolved database (`ResolvedDatabase`: URL and optional embedded server). */
export const POOLS_DATABASE = Symbol('POOLS_DATABASE');

/** Builds a SQL `IN (...)` list from enum values, used for CHECK constraints. */
export function sqlInList(values: readonly string[]): string {
  return values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');
}

/** Discord snowflake: 17–20 digits (Discord API reference, "Snowflakes"). */
export const SNOWFLAKE_PATTERN = /^\d{17,20}$/;
