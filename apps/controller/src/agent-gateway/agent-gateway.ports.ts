/**
 * Narrow ports the gateway depends on, so the socket code never touches persistence directly.
 * Production adapters over `@app/pools` live in `pools.adapters.ts`.
 */

/** Checks a runner's credential (SPEC §4: each runner has its own credential, stored hashed). */
export interface RunnerAuthenticator {
  /**
   * True when `runnerId` exists, is not revoked and `credential` matches its stored hash.
   * Must never log or echo the credential. May reject on infrastructure failure (e.g. Postgres
   * down); the gateway then closes the socket with 1011 `internal`.
   */
  authenticate(runnerId: string, credential: string): Promise<boolean>;
}

/** Which agents a runner holds a live lease on (`agent_leases`, SPEC §3). */
export interface AgentLeaseChecker {
  /**
   * The subset of `agentIds` leased to `runnerId` right now, each mapped to the pool it belongs to
   * (`agent_bots.pool_id`; null when unknown), so every live agent knows its pool for pool-first
   * routing (SPEC §5). One query for a whole announce batch, so 300 agents cost one round trip.
   */
  leasedTo(runnerId: string, agentIds: readonly string[]): Promise<ReadonlyMap<string, string | null>>;
}
