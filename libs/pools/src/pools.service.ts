import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/access';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import { AgentBot, AgentPool, PoolMember } from './entities';
import { Actor, isUniqueViolation } from './pools.actor';
import {
  AgentStatus,
  MAX_AGENTS_PER_POOL,
  PoolMemberRole,
  PoolVisibility,
  SNOWFLAKE_PATTERN,
} from './pools.constants';
import { PoolsException, PoolsExceptionCode } from './pools.exception';

/** Input of {@link PoolsService.create}. */
export interface PoolCreateInput {
  /** Discord user id of the owner; the pool id becomes `pool_<ownerId>`. */
  ownerId: string;
  name: string;
  visibility?: PoolVisibility;
  specialty?: string | null;
  /** 1–49 (default 49). */
  maxAgents?: number;
  /** ≥ 0 (default 3). */
  maxContributionsPerUser?: number;
}

const NAME_PATTERN = /^[^\p{C}]{1,100}$/u;

/** Pools and their members (`agent_pools`, `pool_members`). */
@Injectable()
export class PoolsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Pool id of a user's own pool. */
  static poolIdFor(ownerId: string): string {
    return `pool_${ownerId}`;
  }

  /**
   * Creates `pool_<ownerId>` with the owner as member `owner` (ACCEPTANCE K1).
   * @throws PoolsException POOL_EXISTS when the user already owns a pool or the id is taken;
   *   INVALID_INPUT for malformed fields.
   */
  async create(input: PoolCreateInput, actor: Actor): Promise<AgentPool> {
    assertSnowflake(input.ownerId, 'owner id');
    const name = input.name.trim();
    if (!NAME_PATTERN.test(name)) throw invalid('The pool name must be 1–100 printable characters.');
    if (
      input.maxAgents !== undefined &&
      !(Number.isInteger(input.maxAgents) && input.maxAgents >= 1 && input.maxAgents <= MAX_AGENTS_PER_POOL)
    ) {
      throw invalid(`max agents must be a whole number from 1 to ${MAX_AGENTS_PER_POOL}.`);
    }
    if (
      input.maxContributionsPerUser !== undefined &&
      !(Number.isInteger(input.maxContributionsPerUser) && input.maxContributionsPerUser >= 0)
    ) {
      throw invalid('max contributions per user must be a whole number ≥ 0.');
    }
    const id = PoolsService.poolIdFor(input.ownerId);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const owned = await manager.findOne(AgentPool, { where: { ownerId: input.ownerId } });
        if (owned) throw poolExists(input.ownerId, owned.id);
        // The id is the creator's (SPEC §3): a pool they transferred keeps it.
        const taken = await manager.findOne(AgentPool, { where: { id } });
        if (taken) throw poolIdTaken(input.ownerId, taken);
        // insert, never save: save() would turn into an UPDATE if a concurrent create committed.
        await manager.insert(AgentPool, {
          id,
          ownerId: input.ownerId,
          name,
          visibility: input.visibility ?? PoolVisibility.Private,
          specialty: input.specialty ?? null,
          maxAgents: input.maxAgents ?? MAX_AGENTS_PER_POOL,
          ...(input.maxContributionsPerUser === undefined
            ? {}
            : { maxContributionsPerUser: input.maxContributionsPerUser }),
        });
        const pool = await manager.findOneOrFail(AgentPool, { where: { id } });
        await manager.insert(PoolMember, { poolId: id, userId: input.ownerId, role: PoolMemberRole.Owner });
        await this.audit.record(
          {
            actor: actor.id,
            requestId: actor.requestId,
            action: 'pool.create',
            targetType: 'pool',
            targetId: id,
            payload: { name, visibility: pool.visibility },
          },
          manager,
        );
        return pool;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw poolExists(input.ownerId, id);
      throw error;
    }
  }

  /**
   * A pool by id. With `viewerId`, a private pool the viewer is not a member of is reported as
   * not found (its existence is not revealed).
   * @throws PoolsException POOL_NOT_FOUND
   */
  async get(
    poolId: string,
    viewerId?: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AgentPool> {
    const pool = await manager.findOne(AgentPool, { where: { id: poolId } });
    if (!pool) throw notFound(poolId);
    if (viewerId !== undefined && pool.visibility === PoolVisibility.Private) {
      const member = await manager.findOne(PoolMember, { where: { poolId, userId: viewerId } });
      if (!member) throw notFound(poolId);
    }
    return pool;
  }

  /** Pools visible to `viewerId` (public ones and those they belong to), or all pools for operators. */
  async list(viewerId?: string): Promise<AgentPool[]> {
    const qb = this.dataSource
      .getRepository(AgentPool)
      .createQueryBuilder('p')
      .orderBy('p.created_at', 'ASC')
      .addOrderBy('p.id', 'ASC');
    if (viewerId !== undefined) {
      qb.where('p.visibility = :public', { public: PoolVisibility.Public }).orWhere(
        'EXISTS (SELECT 1 FROM pool_members m WHERE m.pool_id = p.id AND m.user_id = :viewerId)',
        { viewerId },
      );
    }
    return qb.getMany();
  }

  /** Members of a pool, owner first. @throws PoolsException POOL_NOT_FOUND */
  async members(poolId: string): Promise<PoolMember[]> {
    await this.get(poolId);
    const order = [
      PoolMemberRole.Owner,
      PoolMemberRole.Manager,
      PoolMemberRole.Contributor,
      PoolMemberRole.Viewer,
    ];
    const rows = await this.dataSource.getRepository(PoolMember).find({ where: { poolId } });
    return rows.sort(
      (a, b) => order.indexOf(a.role) - order.indexOf(b.role) || a.userId.localeCompare(b.userId),
    );
  }

  /** The role of `userId` in a pool, or null. */
  async roleOf(
    poolId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PoolMemberRole | null> {
    const member = await manager.findOne(PoolMember, { where: { poolId, userId } });
    return member?.role ?? null;
  }

  /**
   * Changes visibility (owner or manager).
   * @throws PoolsException POOL_NOT_FOUND, FORBIDDEN
   */
  async setVisibility(poolId: string, visibility: PoolVisibility, actor: Actor): Promise<AgentPool> {
    if (!Object.values(PoolVisibility).includes(visibility))
      throw invalid(`Visibility must be ${Object.values(PoolVisibility).join(' or ')}.`);
    return this.dataSource.transaction(async (manager) => {
      const pool = await this.lockPool(manager, poolId);
      await this.requireRole(manager, poolId, actor, [PoolMemberRole.Owner, PoolMemberRole.Manager]);
      pool.visibility = visibility;
      await manager.save(AgentPool, pool);
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'pool.visibility',
          targetType: 'pool',
          targetId: poolId,
          payload: { visibility },
        },
        manager,
      );
      return pool;
    });
  }

  /**
   * Grants `role` (manager, contributor or viewer) to a user. Owners grant any of them; managers
   * grant contributor or viewer. Ownership moves only through {@link transfer}.
   * @throws PoolsException POOL_NOT_FOUND, FORBIDDEN, INVALID_INPUT
   */
  async grantMember(poolId: string, userId: string, role: PoolMemberRole, actor: Actor): Promise<PoolMember> {
    assertSnowflake(userId, 'user id');
    if (role === PoolMemberRole.Owner) throw invalid('Ownership changes only by transferring the pool.');
    if (!Object.values(PoolMemberRole).includes(role)) throw invalid(`Unknown role ${String(role)}.`);
    return this.dataSource.transaction(async (manager) => {
      const pool = await this.lockPool(manager, poolId);
      const actorRole = await this.requireRole(manager, poolId, actor, [
        PoolMemberRole.Owner,
        PoolMemberRole.Manager,
      ]);
      if (actorRole === PoolMemberRole.Manager && role === PoolMemberRole.Manager)
        throw forbidden('Only the pool owner can grant the manager role.');
      if (userId === pool.ownerId)
        throw invalid('The owner keeps the owner role; transfer the pool instead.');
      await manager.upsert(PoolMember, { poolId, userId, role }, ['poolId', 'userId']);
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'pool.member.grant',
          targetType: 'pool',
          targetId: poolId,
          payload: { userId, role },
        },
        manager,
      );
      return manager.findOneOrFail(PoolMember, { where: { poolId, userId } });
    });
  }

  /**
   * Removes a member (not the owner).
   * @throws PoolsException POOL_NOT_FOUND, FORBIDDEN, MEMBER_NOT_FOUND, INVALID_INPUT
   */
  async revokeMember(poolId: string, userId: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const pool = await this.lockPool(manager, poolId);
      const actorRole = await this.requireRole(manager, poolId, actor, [
        PoolMemberRole.Owner,
        PoolMemberRole.Manager,
      ]);
      if (userId === pool.ownerId) throw invalid('The owner cannot be removed; transfer the pool first.');
      const member = await manager.findOne(PoolMember, { where: { poolId, userId } });
      if (!member)
        throw new PoolsException(
          PoolsExceptionCode.MemberNotFound,
          `User ${userId} is not a member of ${poolId}.`,
        );
      if (actorRole === PoolMemberRole.Manager && member.role === PoolMemberRole.Manager)
        throw forbidden('Only the pool owner can remove a manager.');
      await manager.delete(PoolMember, { poolId, userId });
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'pool.member.revoke',
          targetType: 'pool',
          targetId: poolId,
          payload: { userId, role: member.role },
        },
        manager,
      );
    });
  }

  /**
   * Transfers ownership from `fromUserId` to `toUserId`: the new owner gets role `owner`, the
   * former owner becomes `manager`, and an audit event is written — all in one transaction on one
   * connection (ACCEPTANCE K2, B14). The pool keeps its id.
   * @throws PoolsException POOL_NOT_FOUND, FORBIDDEN (actor or `fromUserId` is not the owner),
   *   POOL_EXISTS (the new owner already owns a pool), INVALID_INPUT
   */
  async transfer(poolId: string, fromUserId: string, toUserId: string, actor: Actor): Promise<AgentPool> {
    assertSnowflake(toUserId, 'new owner id');
    if (fromUserId === toUserId) throw invalid('The new owner must be a different user.');
    return this.dataSource.transaction(async (manager) => {
      const pool = await this.lockPool(manager, poolId);
      if (pool.ownerId !== fromUserId) throw forbidden(`User ${fromUserId} does not own ${poolId}.`);
      if (!actor.operator && actor.id !== fromUserId) throw forbidden('Only the pool owner can transfer it.');
      const alreadyOwns = await manager.findOne(AgentPool, { where: { ownerId: toUserId } });
      if (alreadyOwns) throw poolExists(toUserId, alreadyOwns.id);
      pool.ownerId = toUserId;
      await manager.save(AgentPool, pool);
      await manager.upsert(PoolMember, { poolId, userId: toUserId, role: PoolMemberRole.Owner }, [
        'poolId',
        'userId',
      ]);
      await manager.upsert(PoolMember, { poolId, userId: fromUserId, role: PoolMemberRole.Manager }, [
        'poolId',
        'userId',
      ]);
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'pool.transfer',
          targetType: 'pool',
          targetId: poolId,
          payload: { from: fromUserId, to: toUserId },
        },
        manager,
      );
      return pool;
    });
  }

  /**
   * Deletes a pool that has no live registrations (any status but `revoked`). Its revoked
   * registrations — tombstones whose ciphertext is already erased — are removed in the same
   * transaction and listed in the `pool.delete` audit event; the bots stay unregistrable
   * (registration refuses a bot with an `agent.revoke` audit event, ACCEPTANCE K3).
   * @throws PoolsException POOL_NOT_FOUND, FORBIDDEN, POOL_NOT_EMPTY
   */
  async delete(poolId: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.lockPool(manager, poolId);
      await this.requireRole(manager, poolId, actor, [PoolMemberRole.Owner]);
      const agents = await manager.count(AgentBot, { where: { poolId, status: Not(AgentStatus.Revoked) } });
      if (agents > 0) {
        throw new PoolsException(
          PoolsExceptionCode.PoolNotEmpty,
          `${poolId} still has ${agents} registered agent(s); move or remove them first.`,
        );
      }
      const tombstones = await manager.find(AgentBot, {
        where: { poolId, status: AgentStatus.Revoked },
        select: { agentId: true },
        lock: { mode: 'pessimistic_write' },
      });
      if (tombstones.length > 0) await manager.delete(AgentBot, { poolId, status: AgentStatus.Revoked });
      await manager.delete(AgentPool, { id: poolId });
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'pool.delete',
          targetType: 'pool',
          targetId: poolId,
          payload: { revokedAgentsRemoved: tombstones.map((agent) => agent.agentId) },
        },
        manager,
      );
    });
  }

  /** Locks the pool row (`SELECT … FOR UPDATE`) inside `manager`'s transaction. @throws POOL_NOT_FOUND */
  async lockPool(manager: EntityManager, poolId: string): Promise<AgentPool> {
    const pool = await manager.findOne(AgentPool, {
      where: { id: poolId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!pool) throw notFound(poolId);
    return pool;
  }

  /**
   * Ensures the actor has one of `roles` in the pool (operators always pass).
   * @returns the actor's role (`owner` for operators).
   * @throws PoolsException FORBIDDEN
   */
  async requireRole(
    manager: EntityManager,
    poolId: string,
    actor: Actor,
    roles: PoolMemberRole[],
  ): Promise<PoolMemberRole> {
    if (actor.operator) return PoolMemberRole.Owner;
    const member = await manager.findOne(PoolMember, {
      where: { poolId, userId: actor.id, role: In(roles) },
    });
    if (!member) throw forbidden(`You need the ${roles.join(' or ')} role in ${poolId}.`);
    return member.role;
  }
}

function assertSnowflake(value: string, what: string): void {
  if (!SNOWFLAKE_PATTERN.test(value)) throw invalid(`The ${what} must be a Discord id (17–20 digits).`);
}

function invalid(message: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.InvalidInput, message);
}

function forbidden(message: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.Forbidden, message);
}

function notFound(poolId: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.PoolNotFound, `Pool ${poolId} does not exist.`);
}

function poolIdTaken(userId: string, pool: AgentPool): PoolsException {
  return new PoolsException(
    PoolsExceptionCode.PoolExists,
    `User ${userId} cannot create a pool: its id ${pool.id} belongs to the pool they created and transferred (now owned by ${pool.ownerId}); pool ids are pool_<creator id>.`,
  );
}

function poolExists(userId: string, poolId: string): PoolsException {
  return new PoolsException(
    PoolsExceptionCode.PoolExists,
    `User ${userId} already owns a pool (${poolId}); each user can own one pool.`,
  );
}
