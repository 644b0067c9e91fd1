import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService, generateSecret, hashSecret, verifySecretHash } from '@app/access';
import { DataSource } from 'typeorm';
import { AgentLease, AgentRunner } from './entities';
import { Actor } from './pools.actor';
import { PoolsException, PoolsExceptionCode } from './pools.exception';
import { DEFAULT_RUNNER_CAPACITY } from './pools.constants';

/** A runner as shown by list APIs (never the credential hash). */
export interface RunnerView {
  runnerId: string;
  capacity: number;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
  meta: Record<string, unknown>;
  /** Live leases held right now. */
  leases: number;
  createdAt: Date;
}

/** Input of {@link RunnersService.create}. `capacity`: agents the runner may hold, 1–1000 (default {@link DEFAULT_RUNNER_CAPACITY}, 50). */
export interface RunnerCreateInput {
  capacity?: number;
  meta?: Record<string, unknown>;
}

const RUNNER_ID_PATTERN = /^runner_[a-f0-9]{12}$/;

/** Agent runner credentials (`agent_runners`): issued once, stored as a SHA-256 hash. */
@Injectable()
export class RunnersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Issues a runner credential. The secret (43 base64url chars, 256 bits) is returned only here;
   * give it to the runner as `RUNNER_ID` / `RUNNER_SECRET`.
   * @throws PoolsException INVALID_INPUT for a capacity outside 1–1000.
   */
  async create(
    input: RunnerCreateInput,
    actor: Actor,
  ): Promise<{ runnerId: string; secret: string; runner: RunnerView }> {
    const capacity = input.capacity ?? DEFAULT_RUNNER_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1000) {
      throw new PoolsException(
        PoolsExceptionCode.InvalidInput,
        'Runner capacity must be a whole number from 1 to 1000.',
      );
    }
    const runnerId = `runner_${randomBytes(6).toString('hex')}`;
    const secret = generateSecret();
    const runner = await this.dataSource.transaction(async (manager) => {
      const row = await manager.save(
        AgentRunner,
        manager.create(AgentRunner, {
          runnerId,
          credentialHash: hashSecret(secret),
          capacity,
          meta: input.meta ?? {},
        }),
      );
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'runner.create',
          targetType: 'runner',
          targetId: runnerId,
          payload: { capacity },
        },
        manager,
      );
      return row;
    });
    return { runnerId, secret, runner: toView(runner, 0) };
  }

  /**
   * Checks a runner's credential in constant time.
   * @returns the runner when the id exists, is not revoked and the secret matches; else null.
   */
  async verify(runnerId: string, secret: string): Promise<AgentRunner | null> {
    if (!RUNNER_ID_PATTERN.test(runnerId) || secret.length === 0) return null;
    const runner = await this.dataSource.getRepository(AgentRunner).findOne({ where: { runnerId } });
    if (!runner || runner.revokedAt || !verifySecretHash(secret, runner.credentialHash)) return null;
    return runner;
  }

  /** Records that the runner was seen now (heartbeat). */
  async touch(runnerId: string, now = new Date()): Promise<void> {
    await this.dataSource.getRepository(AgentRunner).update({ runnerId }, { lastSeenAt: now });
  }

  /** All runners with their live lease counts, oldest first. */
  async list(): Promise<RunnerView[]> {
    const runners = await this.dataSource.getRepository(AgentRunner).find({ order: { createdAt: 'ASC' } });
    const counts = await this.dataSource.query<{ runner_id: string; leases: string }[]>(
      `SELECT runner_id, count(*) AS leases FROM agent_leases WHERE expires_at > now() GROUP BY runner_id`,
    );
    const byRunner = new Map(counts.map((row) => [row.runner_id, Number(row.leases)]));
    return runners.map((runner) => toView(runner, byRunner.get(runner.runnerId) ?? 0));
  }

  /**
   * Revokes a runner credential and drops its leases (its agents become claimable). Idempotent.
   * @throws PoolsException RUNNER_NOT_FOUND
   */
  async revoke(runnerId: string, actor: Actor, now = new Date()): Promise<RunnerView> {
    return this.dataSource.transaction(async (manager) => {
      const runner = await manager.findOne(AgentRunner, {
        where: { runnerId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!runner)
        throw new PoolsException(PoolsExceptionCode.RunnerNotFound, `Runner ${runnerId} does not exist.`);
      if (!runner.revokedAt) {
        runner.revokedAt = now;
        await manager.save(AgentRunner, runner);
        const released = await manager.delete(AgentLease, { runnerId });
        await this.audit.record(
          {
            actor: actor.id,
            requestId: actor.requestId,
            action: 'runner.revoke',
            targetType: 'runner',
            targetId: runnerId,
            payload: { leasesReleased: released.affected ?? 0 },
          },
          manager,
        );
      }
      return toView(runner, 0);
    });
  }
}

function toView(runner: AgentRunner, leases: number): RunnerView {
  return {
    runnerId: runner.runnerId,
    capacity: runner.capacity,
    lastSeenAt: runner.lastSeenAt,
    revokedAt: runner.revokedAt,
    meta: runner.meta,
    leases,
    createdAt: runner.createdAt,
  };
}
