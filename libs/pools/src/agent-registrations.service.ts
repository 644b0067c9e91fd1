import { Inject, Injectable } from '@nestjs/common';
import { AuditEvent, AuditService } from '@app/access';
import { maskSecret } from '@app/config';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import { TokenCipher } from './crypto/token-cipher';
import { AgentBot, AgentLease, AgentPool, PoolContribution } from './entities';
import { Actor, isUniqueViolation } from './pools.actor';
import {
  AGENT_STATUS_TRANSITIONS,
  AgentStatus,
  ContributionStatus,
  LOGIN_BACKOFF_BASE_SECONDS,
  LOGIN_BACKOFF_MAX_SECONDS,
  PoolMemberRole,
  SNOWFLAKE_PATTERN,
} from './pools.constants';
import { PoolsException, PoolsExceptionCode } from './pools.exception';
import { PoolsService } from './pools.service';

/** Input of {@link AgentRegistrationsService.register}. `token` is the bot token in clear. */
export interface AgentRegisterInput {
  poolId: string;
  /** Discord application (client) id of the bot; the agent id becomes `agent<clientId>`. */
  clientId: string;
  /** Display tag, e.g. `Chopsticks Agent #3`. */
  tag: string;
  token: string;
  /** Discord user id of the contributor; operators may set it, users contribute as themselves. */
  contributedBy?: string;
}

/** An agent registration as shown by list APIs: never the token or its ciphertext. */
export interface AgentRegistrationView {
  agentId: string;
  clientId: string;
  tag: string;
  poolId: string;
  status: AgentStatus;
  contributedBy: string;
  /** `maskSecret(token)`, `(erased)` after revocation, `(undecryptable)` when no key opens it. */
  tokenMasked: string;
  /** False when the token is erased or cannot be decrypted with the configured keys. */
  tokenUsable: boolean;
  tokenKeyId: string | null;
  failureCount: number;
  backoffUntil: Date | null;
  lastLoginError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Filters of {@link AgentRegistrationsService.list}. */
export interface AgentListQuery {
  poolId?: string;
  status?: AgentStatus;
  contributedBy?: string;
}

/** Result of {@link AgentRegistrationsService.rotateKeys}. */
export interface KeyRotationResult {
  /** Key id every stored token is now sealed with. */
  keyId: string;
  /** Rows re-encrypted by this call (0 when already rotated). */
  rotated: number;
  /**
   * Agents whose token could not be decrypted (key no longer configured, or data altered); they
   * are left untouched and need re-registration.
   */
  skipped: string[];
  /** Rows holding a token. */
  total: number;
}

const TOKEN_SHAPE = /^[A-Za-z0-9._-]{20,200}$/;
const TAG_PATTERN = /^[^\p{C}]{1,64}$/u;
/** Discord bot tokens: base64 user id, timestamp and HMAC separated by dots. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}/g;

/**
 * Agent registrations (`agent_bots`, `pool_contributions`): encrypted token storage, the status
 * lifecycle, login failure backoff, contributions and key rotation.
 */
@Injectable()
export class AgentRegistrationsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TokenCipher) private readonly cipher: TokenCipher,
    private readonly pools: PoolsService,
    private readonly audit: AuditService,
  ) {}

  /** Agent id for a Discord application id. */
  static agentIdFor(clientId: string): string {
    return `agent${clientId}`;
  }

  /**
   * Registers a bot token in a pool. A contribution by the pool's owner or a manager is `active`
   * at once; anyone else's is `pending` with a `pool_contributions` row awaiting approval. The
   * per-user contribution cap and the pool capacity are checked before anything is written.
   * @throws PoolsException INVALID_INPUT, POOL_NOT_FOUND, AGENT_EXISTS, AGENT_REVOKED,
   *   CONTRIBUTION_CAP, POOL_AT_CAPACITY
   */
  async register(
    input: AgentRegisterInput,
    actor: Actor,
  ): Promise<{ agent: AgentRegistrationView; contribution: PoolContribution | null }> {
    if (!SNOWFLAKE_PATTERN.test(input.clientId))
      throw invalid('The client id must be a Discord application id (17–20 digits).');
    const tag = input.tag.trim();
    if (!TAG_PATTERN.test(tag)) throw invalid('The tag must be 1–64 printable characters.');
    if (!TOKEN_SHAPE.test(input.token)) throw invalid('The token does not look like a Discord bot token.');
    if (input.contributedBy !== undefined && !SNOWFLAKE_PATTERN.test(input.contributedBy))
      throw invalid('The contributor must be a Discord user id.');
    const agentId = AgentRegistrationsService.agentIdFor(input.clientId);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const pool = await this.pools.lockPool(manager, input.poolId);
        const contributor = actor.operator ? (input.contributedBy ?? pool.ownerId) : actor.id;
        const existing = await manager.findOne(AgentBot, {
          where: [{ agentId }, { clientId: input.clientId }],
        });
        if (existing?.status === AgentStatus.Revoked) throw revoked(existing.agentId);
        // A revoked bot whose tombstone went with its deleted pool stays revoked (K3).
        if (
          !existing &&
          (await manager.exists(AuditEvent, { where: { action: 'agent.revoke', targetId: agentId } }))
        )
          throw revoked(agentId);
        if (existing)
          throw new PoolsException(
            PoolsExceptionCode.AgentExists,
            `${agentId} is already registered (in ${existing.poolId}).`,
          );
        const role = await this.pools.roleOf(pool.id, contributor, manager);
        const trusted = contributor === pool.ownerId || role === PoolMemberRole.Manager;
        if (!trusted) {
          const contributed = await manager.count(AgentBot, {
            where: { poolId: pool.id, contributedBy: contributor, status: Not(AgentStatus.Revoked) },
          });
          if (contributed >= pool.maxContributionsPerUser) {
            throw new PoolsException(
              PoolsExceptionCode.ContributionCap,
              `User ${contributor} already has ${contributed} agent(s) in ${pool.id}; the limit is ${pool.maxContributionsPerUser} per user.`,
            );
          }
        } else {
          await this.assertCapacity(manager, pool);
        }
        const sealed = this.cipher.encrypt(agentId, input.token);
        const status = trusted ? AgentStatus.Active : AgentStatus.Pending;
        // insert, never save: save() would overwrite a row registered concurrently (and
        // committed) under the same agent id; insert fails with a unique violation instead.
        await manager.insert(AgentBot, {
          agentId,
          clientId: input.clientId,
          tag,
          poolId: pool.id,
          status,
          tokenCiphertext: sealed.ciphertext,
          tokenKeyId: sealed.keyId,
          contributedBy: contributor,
        });
        const agent = await manager.findOneOrFail(AgentBot, { where: { agentId } });
        const contribution = trusted
          ? null
          : await manager.save(
              PoolContribution,
              manager.create(PoolContribution, {
                poolId: pool.id,
                agentId,
                userId: contributor,
                status: ContributionStatus.Pending,
              }),
            );
        await this.audit.record(
          {
            actor: actor.id,
            requestId: actor.requestId,
            action: 'agent.register',
            targetType: 'agent',
            targetId: agentId,
            payload: { poolId: pool.id, status, contributedBy: contributor },
          },
          manager,
        );
        return { agent: this.toView(agent), contribution };
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new PoolsException(PoolsExceptionCode.AgentExists, `${agentId} is already registered.`);
      throw error;
    }
  }

  /** Registrations with masked tokens, ordered by pool then agent id. */
  async list(query: AgentListQuery = {}): Promise<AgentRegistrationView[]> {
    const where: Record<string, unknown> = {};
    if (query.poolId) where.poolId = query.poolId;
    if (query.status) where.status = query.status;
    if (query.contributedBy) where.contributedBy = query.contributedBy;
    const rows = await this.dataSource
      .getRepository(AgentBot)
      .find({ where, order: { poolId: 'ASC', agentId: 'ASC' } });
    return rows.map((row) => this.toView(row));
  }

  /** One registration (masked). @throws PoolsException AGENT_NOT_FOUND */
  async get(agentId: string): Promise<AgentRegistrationView> {
    const row = await this.dataSource.getRepository(AgentBot).findOne({ where: { agentId } });
    if (!row) throw agentNotFound(agentId);
    return this.toView(row);
  }

  /**
   * Changes an agent's status along {@link AGENT_STATUS_TRANSITIONS} (owner, manager or operator).
   * `revoked` erases the token (see {@link revoke}); activating checks pool capacity; leaving the
   * leasable statuses releases the agent's lease.
   * @throws PoolsException AGENT_NOT_FOUND, FORBIDDEN, INVALID_STATUS_TRANSITION, AGENT_REVOKED,
   *   POOL_AT_CAPACITY
   */
  async setStatus(agentId: string, status: AgentStatus, actor: Actor): Promise<AgentRegistrationView> {
    if (!Object.values(AgentStatus).includes(status))
      throw invalid(`Status must be one of ${Object.values(AgentStatus).join(', ')}.`);
    if (status === AgentStatus.Revoked) return this.revoke(agentId, actor);
    return this.dataSource.transaction(async (manager) => {
      const { pool, agent } = await this.lockAgentWithPool(manager, agentId);
      await this.pools.requireRole(manager, pool.id, actor, [PoolMemberRole.Owner, PoolMemberRole.Manager]);
      if (agent.status === status) return this.toView(agent);
      assertTransition(agent, status);
      if (status === AgentStatus.Active && !countsTowardCapacity(agent.status))
        await this.assertCapacity(manager, pool);
      const from = agent.status;
      agent.status = status;
      if (status === AgentStatus.Active) {
        agent.failureCount = 0;
        agent.backoffUntil = null;
        await manager.update(
          PoolContribution,
          { agentId, status: ContributionStatus.Pending },
          { status: ContributionStatus.Approved, decidedBy: actor.id, decidedAt: new Date() },
        );
      }
      await manager.save(AgentBot, agent);
      if (status !== AgentStatus.Active) await manager.delete(AgentLease, { agentId });
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'agent.status',
          targetType: 'agent',
          targetId: agentId,
          payload: { from, to: status },
        },
        manager,
      );
      return this.toView(agent);
    });
  }

  /**
   * Revokes an agent for good: status `revoked`, ciphertext and key id erased, lease released,
   * pending contribution rejected (ACCEPTANCE K3). Idempotent.
   * @throws PoolsException AGENT_NOT_FOUND, FORBIDDEN
   */
  async revoke(agentId: string, actor: Actor): Promise<AgentRegistrationView> {
    return this.dataSource.transaction(async (manager) => {
      const { pool, agent } = await this.lockAgentWithPool(manager, agentId);
      if (!actor.operator && actor.id !== agent.contributedBy) {
        await this.pools.requireRole(manager, pool.id, actor, [PoolMemberRole.Owner, PoolMemberRole.Manager]);
      }
      if (agent.status === AgentStatus.Revoked) return this.toView(agent);
      const from = agent.status;
      agent.status = AgentStatus.Revoked;
      agent.tokenCiphertext = null;
      agent.tokenKeyId = null;
      await manager.save(AgentBot, agent);
      await manager.delete(AgentLease, { agentId });
      await manager.update(
        PoolContribution,
        { agentId, status: ContributionStatus.Pending },
        { status: ContributionStatus.Rejected, decidedBy: actor.id, decidedAt: new Date() },
      );
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'agent.revoke',
          targetType: 'agent',
          targetId: agentId,
          payload: { from },
        },
        manager,
      );
      return this.toView(agent);
    });
  }

  /**
   * The bot token in clear, for the runner that holds the agent's lease. Decryption depends only
   * on the agent id and the key id, never on the pool.
   * @param runnerId when given, the runner must hold a live lease on the agent.
   * @throws PoolsException AGENT_NOT_FOUND, AGENT_REVOKED, LEASE_NOT_HELD, TOKEN_UNDECRYPTABLE
   */
  async decryptToken(agentId: string, runnerId?: string): Promise<string> {
    const agent = await this.dataSource.getRepository(AgentBot).findOne({ where: { agentId } });
    if (!agent) throw agentNotFound(agentId);
    if (agent.status === AgentStatus.Revoked) throw revoked(agentId);
    if (runnerId !== undefined) {
      const lease = await this.dataSource
        .getRepository(AgentLease)
        .createQueryBuilder('l')
        .where('l.agent_id = :agentId AND l.runner_id = :runnerId AND l.expires_at > now()', {
          agentId,
          runnerId,
        })
        .getOne();
      if (!lease)
        throw new PoolsException(
          PoolsExceptionCode.LeaseNotHeld,
          `Runner ${runnerId} holds no live lease on ${agentId}.`,
        );
    }
    if (!agent.tokenCiphertext || !agent.tokenKeyId) {
      throw new PoolsException(
        PoolsExceptionCode.TokenUndecryptable,
        `${agentId} has no stored token; register it again.`,
      );
    }
    return this.cipher.decrypt(agentId, { ciphertext: agent.tokenCiphertext, keyId: agent.tokenKeyId });
  }

  /**
   * Records a failed Discord login: status `failed`, failure count + 1, `backoff_until` =
   * now + min(30 s · 2^(n−1), 1 h), lease released so no runner retries before the backoff ends
   * (ACCEPTANCE K5). Token-like substrings of `reason` are masked before storing.
   * @throws PoolsException AGENT_NOT_FOUND, INVALID_STATUS_TRANSITION (agent not active/failed)
   */
  async recordLoginFailure(
    agentId: string,
    reason: string,
    now = new Date(),
  ): Promise<AgentRegistrationView> {
    return this.dataSource.transaction(async (manager) => {
      const agent = await this.lockAgent(manager, agentId);
      if (agent.status !== AgentStatus.Active && agent.status !== AgentStatus.Failed)
        assertTransition(agent, AgentStatus.Failed);
      agent.failureCount += 1;
      agent.backoffUntil = new Date(now.getTime() + loginBackoffSeconds(agent.failureCount) * 1000);
      agent.status = AgentStatus.Failed;
      agent.lastLoginError = reason.replace(TOKEN_LIKE, '****').slice(0, 500);
      await manager.save(AgentBot, agent);
      await manager.delete(AgentLease, { agentId });
      return this.toView(agent);
    });
  }

  /**
   * Records a successful login: a `failed` agent returns to `active` and its backoff is cleared.
   * @throws PoolsException AGENT_NOT_FOUND, INVALID_STATUS_TRANSITION
   */
  async recordLoginSuccess(agentId: string): Promise<AgentRegistrationView> {
    return this.dataSource.transaction(async (manager) => {
      const agent = await this.lockAgent(manager, agentId);
      if (agent.status !== AgentStatus.Active && agent.status !== AgentStatus.Failed)
        assertTransition(agent, AgentStatus.Active);
      agent.status = AgentStatus.Active;
      agent.failureCount = 0;
      agent.backoffUntil = null;
      agent.lastLoginError = null;
      await manager.save(AgentBot, agent);
      return this.toView(agent);
    });
  }

  /** Contributions of a pool, newest first. */
  async listContributions(poolId: string, status?: ContributionStatus): Promise<PoolContribution[]> {
    return this.dataSource
      .getRepository(PoolContribution)
      .find({ where: { poolId, ...(status ? { status } : {}) }, order: { createdAt: 'DESC' } });
  }

  /**
   * Approves a pending contribution: the agent becomes `active` (ACCEPTANCE K4: refused when
   * the pool is at `max_agents`).
   * @throws PoolsException CONTRIBUTION_NOT_FOUND, CONTRIBUTION_DECIDED, FORBIDDEN, POOL_AT_CAPACITY
   */
  async approveContribution(contributionId: string, actor: Actor): Promise<PoolContribution> {
    return this.decideContribution(contributionId, ContributionStatus.Approved, actor);
  }

  /**
   * Rejects a pending contribution. A rejection is not a revoke: the pending registration (and
   * with it its ciphertext and the contribution row, `ON DELETE CASCADE`) is deleted in the same
   * transaction, so the bot can be registered again — in its contributor's own pool, or here
   * later. The decision stays in the audit log (`contribution.reject` with pool, agent, client
   * and contributor ids). The returned contribution carries `status: rejected`.
   * @throws PoolsException CONTRIBUTION_NOT_FOUND, CONTRIBUTION_DECIDED, FORBIDDEN
   */
  async rejectContribution(contributionId: string, actor: Actor): Promise<PoolContribution> {
    return this.decideContribution(contributionId, ContributionStatus.Rejected, actor);
  }

  /**
   * Moves an agent to another pool (operator, or owner/manager of both pools). The token keeps
   * decrypting because the ciphertext is bound to the agent id, not the pool.
   * @throws PoolsException AGENT_NOT_FOUND, POOL_NOT_FOUND, FORBIDDEN, AGENT_REVOKED, POOL_AT_CAPACITY
   */
  async moveAgent(agentId: string, toPoolId: string, actor: Actor): Promise<AgentRegistrationView> {
    return this.dataSource.transaction(async (manager) => {
      const current = await manager.findOne(AgentBot, { where: { agentId } });
      if (!current) throw agentNotFound(agentId);
      if (current.poolId === toPoolId) return this.toView(current);
      const [first, second] = [current.poolId, toPoolId].sort();
      const locked = new Map<string, AgentPool>();
      for (const id of [first, second]) locked.set(id, await this.pools.lockPool(manager, id));
      const agent = await this.lockAgent(manager, agentId);
      if (agent.poolId !== current.poolId) throw invalid(`${agentId} moved concurrently; try again.`);
      if (agent.status === AgentStatus.Revoked) throw revoked(agentId);
      for (const poolId of [agent.poolId, toPoolId])
        await this.pools.requireRole(manager, poolId, actor, [PoolMemberRole.Owner, PoolMemberRole.Manager]);
      if (countsTowardCapacity(agent.status)) await this.assertCapacity(manager, locked.get(toPoolId)!);
      const from = agent.poolId;
      agent.poolId = toPoolId;
      await manager.save(AgentBot, agent);
      await manager.update(
        PoolContribution,
        { agentId, status: ContributionStatus.Pending },
        { poolId: toPoolId },
      );
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'agent.move',
          targetType: 'agent',
          targetId: agentId,
          payload: { from, to: toPoolId },
        },
        manager,
      );
      return this.toView(agent);
    });
  }

  /**
   * Re-encrypts every stored token not sealed with the current (first) key, in one transaction
   * with the rows locked (`SELECT … FOR UPDATE`). Idempotent: a second run, or a run after an
   * interrupted one (which rolled back), re-encrypts only what is left. Rows that no configured
   * key opens are reported in `skipped` and left as they are.
   */
  async rotateKeys(actor: Actor): Promise<KeyRotationResult> {
    const keyId = this.cipher.currentKeyId;
    return this.dataSource.transaction(async (manager) => {
      const stale = await manager
        .getRepository(AgentBot)
        .createQueryBuilder('a')
        .where('a.token_ciphertext IS NOT NULL AND a.token_key_id <> :keyId', { keyId })
        .orderBy('a.agent_id', 'ASC')
        .setLock('pessimistic_write')
        .getMany();
      const skipped: string[] = [];
      let rotated = 0;
      for (const agent of stale) {
        let plaintext: string;
        try {
          plaintext = this.cipher.decrypt(agent.agentId, {
            ciphertext: agent.tokenCiphertext!,
            keyId: agent.tokenKeyId!,
          });
        } catch (error) {
          if (error instanceof PoolsException && error.code === PoolsExceptionCode.TokenUndecryptable) {
            skipped.push(agent.agentId);
            continue;
          }
          throw error;
        }
        const sealed = this.cipher.encrypt(agent.agentId, plaintext);
        await manager.update(
          AgentBot,
          { agentId: agent.agentId },
          { tokenCiphertext: sealed.ciphertext, tokenKeyId: sealed.keyId },
        );
        rotated += 1;
      }
      const total = await manager
        .createQueryBuilder(AgentBot, 'a')
        .where('a.token_ciphertext IS NOT NULL')
        .getCount();
      if (rotated > 0 || skipped.length > 0) {
        await this.audit.record(
          {
            actor: actor.id,
            requestId: actor.requestId,
            action: 'tokens.rotate',
            targetType: 'token-key',
            targetId: keyId,
            payload: { rotated, skipped },
          },
          manager,
        );
      }
      return { keyId, rotated, skipped, total };
    });
  }

  private async decideContribution(
    contributionId: string,
    decision: ContributionStatus,
    actor: Actor,
  ): Promise<PoolContribution> {
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(PoolContribution, { where: { id: contributionId } });
      if (!found)
        throw new PoolsException(
          PoolsExceptionCode.ContributionNotFound,
          `Contribution ${contributionId} does not exist.`,
        );
      const pool = await this.pools.lockPool(manager, found.poolId);
      const contribution = await manager.findOneOrFail(PoolContribution, {
        where: { id: contributionId },
        lock: { mode: 'pessimistic_write' },
      });
      if (contribution.status !== ContributionStatus.Pending) {
        throw new PoolsException(
          PoolsExceptionCode.ContributionDecided,
          `Contribution ${contributionId} was already ${contribution.status}.`,
        );
      }
      await this.pools.requireRole(manager, pool.id, actor, [PoolMemberRole.Owner, PoolMemberRole.Manager]);
      const agent = await this.lockAgent(manager, contribution.agentId);
      if (decision === ContributionStatus.Approved) {
        if (agent.status !== AgentStatus.Pending) assertTransition(agent, AgentStatus.Active);
        await this.assertCapacity(manager, pool);
        agent.status = AgentStatus.Active;
      }
      contribution.status = decision;
      contribution.decidedBy = actor.id;
      contribution.decidedAt = new Date();
      if (decision === ContributionStatus.Approved) {
        await manager.save(AgentBot, agent);
        await manager.save(PoolContribution, contribution);
      } else {
        // Not a revoke (a revoked bot can never come back, K3): the registration goes, token and all.
        await manager.delete(AgentBot, { agentId: agent.agentId });
      }
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: decision === ContributionStatus.Approved ? 'contribution.approve' : 'contribution.reject',
          targetType: 'contribution',
          targetId: contributionId,
          payload: {
            poolId: pool.id,
            agentId: agent.agentId,
            clientId: agent.clientId,
            contributedBy: contribution.userId,
          },
        },
        manager,
      );
      return contribution;
    });
  }

  /** Throws POOL_AT_CAPACITY when the pool already counts `max_agents` agents. */
  private async assertCapacity(manager: EntityManager, pool: AgentPool): Promise<void> {
    const used = await manager.count(AgentBot, { where: { poolId: pool.id, status: In(CAPACITY_STATUSES) } });
    if (used >= pool.maxAgents) {
      throw new PoolsException(
        PoolsExceptionCode.PoolAtCapacity,
        `${pool.id} is at capacity (${used} of ${pool.maxAgents} agents).`,
      );
    }
  }

  private async lockAgent(manager: EntityManager, agentId: string): Promise<AgentBot> {
    const agent = await manager.findOne(AgentBot, {
      where: { agentId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!agent) throw agentNotFound(agentId);
    return agent;
  }

  /** Locks pool then agent (the global lock order), re-checking the agent did not move. */
  private async lockAgentWithPool(
    manager: EntityManager,
    agentId: string,
  ): Promise<{ pool: AgentPool; agent: AgentBot }> {
    const current = await manager.findOne(AgentBot, { where: { agentId } });
    if (!current) throw agentNotFound(agentId);
    const pool = await this.pools.lockPool(manager, current.poolId);
    const agent = await this.lockAgent(manager, agentId);
    if (agent.poolId !== pool.id) throw invalid(`${agentId} moved concurrently; try again.`);
    return { pool, agent };
  }

  private toView(agent: AgentBot): AgentRegistrationView {
    let tokenMasked = '(erased)';
    let tokenUsable = false;
    if (agent.tokenCiphertext && agent.tokenKeyId) {
      try {
        tokenMasked = maskSecret(
          this.cipher.decrypt(agent.agentId, { ciphertext: agent.tokenCiphertext, keyId: agent.tokenKeyId }),
        );
        tokenUsable = true;
      } catch {
        tokenMasked = '(undecryptable)';
      }
    }
    return {
      agentId: agent.agentId,
      clientId: agent.clientId,
      tag: agent.tag,
      poolId: agent.poolId,
      status: agent.status,
      contributedBy: agent.contributedBy,
      tokenMasked,
      tokenUsable,
      tokenKeyId: agent.tokenKeyId,
      failureCount: agent.failureCount,
      backoffUntil: agent.backoffUntil,
      lastLoginError: agent.lastLoginError,
      createdAt: agent.createdAt,
      updatedAt: agent.updatedAt,
    };
  }
}

/** Statuses that occupy one of a pool's `max_agents` slots. */
const CAPACITY_STATUSES = [
  AgentStatus.Active,
  AgentStatus.Inactive,
  AgentStatus.Suspended,
  AgentStatus.Failed,
];

function countsTowardCapacity(status: AgentStatus): boolean {
  return CAPACITY_STATUSES.includes(status);
}

/** Backoff after the n-th consecutive login failure, in seconds: min(30 · 2^(n−1), 3600). */
export function loginBackoffSeconds(failureCount: number): number {
  return Math.min(LOGIN_BACKOFF_BASE_SECONDS * 2 ** Math.max(failureCount - 1, 0), LOGIN_BACKOFF_MAX_SECONDS);
}

function assertTransition(agent: AgentBot, to: AgentStatus): void {
  if (agent.status === AgentStatus.Revoked) throw revoked(agent.agentId);
  if (!AGENT_STATUS_TRANSITIONS[agent.status].includes(to)) {
    throw new PoolsException(
      PoolsExceptionCode.InvalidStatusTransition,
      `${agent.agentId} cannot go from ${agent.status} to ${to}.`,
    );
  }
}

function invalid(message: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.InvalidInput, message);
}

function agentNotFound(agentId: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.AgentNotFound, `Agent ${agentId} is not registered.`);
}

function revoked(agentId: string): PoolsException {
  return new PoolsException(
    PoolsExceptionCode.AgentRevoked,
    `${agentId} was revoked; a revoked agent cannot be reactivated or registered again.`,
  );
}
