import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentStatus } from './pools.constants';
import { PoolsException, PoolsExceptionCode } from './pools.exception';

/** Options of {@link LeasesService.claim}. */
export interface LeaseClaimOptions {
  /** Agents the runner wants to hold in total (capped by the runner's registered capacity). */
  capacity?: number;
  /** Lease lifetime in seconds, 5–3600 (default 60). Renew well before it ends. */
  ttlSeconds?: number;
}

/** What a runner holds after a claim or renewal. */
export interface LeaseClaimResult {
  /** Agents newly leased by this call. */
  claimed: string[];
  /** Every agent the runner now holds a live lease on (claimed included), sorted. */
  held: string[];
  expiresAt: Date;
}

/** A live lease. */
export interface LeaseView {
  agentId: string;
  runnerId: string;
  /** Pool the leased agent belongs to (`agent_bots.pool_id`, read in the same query). */
  poolId: string;
  acquiredAt: Date;
  expiresAt: Date;
}

const DEFAULT_TTL_SECONDS = 60;

/**
 * Agent leases (`agent_leases`): each active agent runs on exactly one runner. A lease is live
 * until `expires_at`; a dead runner's leases expire and other runners claim the agents.
 */
@Injectable()
export class LeasesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In one transaction: renews the runner's live leases, then leases free agents (status `active`,
   * or `failed` whose login backoff has passed; no live lease) up to `capacity` minus what it
   * holds, picked with `FOR UPDATE SKIP LOCKED` so concurrent runners never take the same agent.
   * The upsert only replaces an expired lease, so a lease that became live meanwhile is never
   * stolen.
   * @throws PoolsException RUNNER_NOT_FOUND, RUNNER_REVOKED, INVALID_INPUT
   */
  async claim(runnerId: string, options: LeaseClaimOptions = {}): Promise<LeaseClaimResult> {
    const ttlSeconds = validateTtl(options.ttlSeconds);
    return this.dataSource.transaction(async (manager) => {
      const runners = await manager.query<{ capacity: number; revoked_at: Date | null }[]>(
        `SELECT capacity, revoked_at FROM agent_runners WHERE runner_id = $1 FOR UPDATE`,
        [runnerId],
      );
      const runner = runners[0];
      if (!runner)
        throw new PoolsException(PoolsExceptionCode.RunnerNotFound, `Runner ${runnerId} does not exist.`);
      if (runner.revoked_at)
        throw new PoolsException(PoolsExceptionCode.RunnerRevoked, `Runner ${runnerId} was revoked.`);
      await manager.query(`UPDATE agent_runners SET last_seen_at = now() WHERE runner_id = $1`, [runnerId]);
      const renewed = await this.renewWith(manager.query.bind(manager), runnerId, ttlSeconds);
      const capacity = Math.min(options.capacity ?? runner.capacity, runner.capacity);
      const want = Math.max(capacity - renewed.length, 0);
      let claimed: string[] = [];
      if (want > 0) {
        const rows = await manager.query<{ agent_id: string }[]>(
          `WITH candidates AS (
             SELECT a.agent_id
               FROM agent_bots a
               LEFT JOIN agent_leases l ON l.agent_id = a.agent_id
              WHERE a.token_ciphertext IS NOT NULL
                AND (a.status = $3 OR (a.status = $4 AND (a.backoff_until IS NULL OR a.backoff_until <= now())))
                AND (l.agent_id IS NULL OR l.expires_at <= now())
              ORDER BY a.agent_id
              LIMIT $2
                FOR UPDATE OF a SKIP LOCKED
           )
           INSERT INTO agent_leases (agent_id, runner_id, acquired_at, expires_at)
           SELECT agent_id, $1, now(), now() + make_interval(secs => $5) FROM candidates
           ON CONFLICT (agent_id) DO UPDATE
              SET runner_id = EXCLUDED.runner_id, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
            WHERE agent_leases.expires_at <= now()
           RETURNING agent_id`,
          [runnerId, want, AgentStatus.Active, AgentStatus.Failed, ttlSeconds],
        );
        claimed = rows.map((row) => row.agent_id).sort();
      }
      const [{ expires_at: expiresAt }] = await manager.query<{ expires_at: Date }[]>(
        `SELECT now() + make_interval(secs => $1) AS expires_at`,
        [ttlSeconds],
      );
      return { claimed, held: [...renewed, ...claimed].sort(), expiresAt: expiresAt };
    });
  }

  /**
   * Extends the runner's live leases on agents that are still leasable.
   * @returns agent ids still held.
   */
  async renew(runnerId: string, ttlSeconds?: number): Promise<string[]> {
    const ttl = validateTtl(ttlSeconds);
    return this.dataSource.transaction((manager) =>
      this.renewWith(manager.query.bind(manager), runnerId, ttl),
    );
  }

  /**
   * Releases the runner's leases (all, or only `agentIds`), e.g. when draining on SIGTERM.
   * @returns agent ids released.
   */
  async release(runnerId: string, agentIds?: string[]): Promise<string[]> {
    const rows = await this.dataSource.query<[{ agent_id: string }[], number]>(
      agentIds === undefined
        ? `DELETE FROM agent_leases WHERE runner_id = $1 RETURNING agent_id`
        : `DELETE FROM agent_leases WHERE runner_id = $1 AND agent_id = ANY($2::varchar[]) RETURNING agent_id`,
      agentIds === undefined ? [runnerId] : [runnerId, agentIds],
    );
    return rows[0].map((row) => row.agent_id).sort();
  }

  /** The runner holding a live lease on the agent, or null. */
  async holder(agentId: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ runner_id: string }[]>(
      `SELECT runner_id FROM agent_leases WHERE agent_id = $1 AND expires_at > now()`,
      [agentId],
    );
    return rows[0]?.runner_id ?? null;
  }

  /** Live leases, optionally of one runner, sorted by agent id, each with its agent's pool. */
  async list(runnerId?: string): Promise<LeaseView[]> {
    const rows = await this.dataSource.query<
      { agent_id: string; runner_id: string; pool_id: string; acquired_at: Date; expires_at: Date }[]
    >(
      `SELECT l.agent_id, l.runner_id, a.pool_id, l.acquired_at, l.expires_at
         FROM agent_leases l JOIN agent_bots a ON a.agent_id = l.agent_id
        WHERE l.expires_at > now() AND ($1::varchar IS NULL OR l.runner_id = $1) ORDER BY l.agent_id`,
      [runnerId ?? null],
    );
    return rows.map((row) => ({
      agentId: row.agent_id,
      runnerId: row.runner_id,
      poolId: row.pool_id,
      acquiredAt: row.acquired_at,
      expiresAt: row.expires_at,
    }));
  }

  private async renewWith(
    query: <T>(sql: string, parameters?: unknown[]) => Promise<T>,
    runnerId: string,
    ttlSeconds: number,
  ): Promise<string[]> {
    const rows = await query<[{ agent_id: string }[], number]>(
      `UPDATE agent_leases l SET expires_at = now() + make_interval(secs => $2)
         FROM agent_bots a
        WHERE l.runner_id = $1 AND l.expires_at > now() AND a.agent_id = l.agent_id AND a.status IN ($3, $4)
        RETURNING l.agent_id`,
      [runnerId, ttlSeconds, AgentStatus.Active, AgentStatus.Failed],
    );
    return rows[0].map((row) => row.agent_id).sort();
  }
}

function validateTtl(ttlSeconds: number | undefined): number {
  const ttl = ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 5 || ttl > 3600) {
    throw new PoolsException(
      PoolsExceptionCode.InvalidInput,
      'Lease TTL must be a whole number of seconds from 5 to 3600.',
    );
  }
  return ttl;
}
