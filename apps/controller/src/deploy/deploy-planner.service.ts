import { Inject, Injectable } from '@nestjs/common';
import {
  AgentRegistrationsService,
  AgentStatus,
  PoolsException,
  PoolsExceptionCode,
  PoolsService,
  type AgentRegistrationView,
} from '@app/pools';
import { AgentRegistry } from '@app/sessions';
import {
  DEPLOY_INVITE_PERMISSIONS,
  DEPLOY_INVITE_SCOPES,
  DEPLOY_OPTIONS,
  MAX_AGENTS_PER_GUILD,
  type DeployModuleOptions,
} from './deploy.constants';
import { DeployException, DeployExceptionCode } from './deploy.exception';

const SNOWFLAKE = /^\d{17,20}$/;
const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Input of {@link DeployPlanner.plan}. */
export interface DeployPlanInput {
  /** Discord guild id (snowflake) the agents are deployed to. */
  guildId: string;
  /** Pool the agents come from. */
  poolId: string;
  /** Agents the guild should hold in total (of any pool: Discord's bot limit is per guild), 0–49. */
  desiredTotal: number;
  /** Discord user id asking (pool access is checked for them). */
  actorUserId: string;
  /** Operators (CLI, admin API) may plan from any pool. */
  operator?: boolean;
}

/** Why a registration cannot be invited. */
export type DeployUnusableReason =
  | 'undecryptable'
  | 'pending'
  | 'inactive'
  | 'suspended'
  | 'failed'
  | 'revoked';

/** One invite of a deploy plan. */
export interface DeployInvite {
  agentId: string;
  clientId: string;
  /** OAuth2 bot-authorization URL with the documented scopes and permission set. */
  url: string;
}

/** A registration of the pool that cannot be deployed, and what fixes it. */
export interface DeployUnusableAgent {
  agentId: string;
  reason: DeployUnusableReason;
  action: string;
}

/** Result of {@link DeployPlanner.plan}. */
export interface DeployPlan {
  guildId: string;
  poolId: string;
  desiredTotal: number;
  /**
   * Agents already in the guild, of any pool (live agents reporting membership) — they count
   * toward the guild's 49 (SPEC §5: need = N − agents already in the guild).
   */
  present: number;
  /** `max(0, desiredTotal − present)`. */
  need: number;
  /** `min(need, usable agents not yet in the guild)` invites, ordered by agent id. */
  invites: DeployInvite[];
  /** `need − invites.length`: agents the pool cannot supply. */
  shortfall: number;
  diagnostics: {
    /** Registrations that could be invited (active, token decryptable). */
    usable: number;
    unusable: DeployUnusableAgent[];
  };
}

const ACTIONS: Readonly<Record<DeployUnusableReason, string>> = {
  undecryptable:
    'Needs re-registration: no configured key decrypts the stored token; register the token again.',
  pending: 'Awaiting approval by the pool owner or a manager.',
  inactive: 'Set the agent active again (/agents set_status).',
  suspended: 'Suspended by the pool owner or a manager; reactivate it when the cause is fixed.',
  failed: 'Discord refused the token; re-register a valid token or set the agent active to retry.',
  revoked: 'Revoked: the token was erased; register a new token.',
};

/**
 * Deploy planning (SPEC §5 deploy plan, ACCEPTANCE D1–D4): how many agents of a pool a guild
 * still needs, their invite URLs and why other registrations of the pool cannot be used. Reads
 * only; enqueueing verification is {@link DeployUseCase}.
 */
@Injectable()
export class DeployPlanner {
  constructor(
    private readonly pools: PoolsService,
    private readonly registrations: AgentRegistrationsService,
    private readonly registry: AgentRegistry,
    @Inject(DEPLOY_OPTIONS) private readonly options: DeployModuleOptions,
  ) {}

  /**
   * Plans a deploy. "Present" counts every agent that is a member of the guild as reported by its
   * runner (`AgentRegistry`), whatever its pool, so the guild never goes past 49 agents; invites
   * come from the chosen pool's usable registrations not yet in the guild.
   * @throws DeployException DESIRED_TOTAL_TOO_HIGH (above 49; nothing else is read),
   *   INVALID_INPUT, POOL_NOT_ACCESSIBLE (unknown pool, or private and the actor is no member)
   */
  async plan(input: DeployPlanInput): Promise<DeployPlan> {
    assertInput(input);
    await this.assertAccessible(input);
    const registrations = await this.registrations.list({ poolId: input.poolId });
    const inGuild = this.registry.agentIdsInGuild(input.guildId);
    const present = inGuild.size;
    const need = Math.max(0, input.desiredTotal - present);
    const unusable: DeployUnusableAgent[] = [];
    const candidates: AgentRegistrationView[] = [];
    let usable = 0;
    for (const agent of registrations) {
      const reason = unusableReason(agent);
      if (reason) {
        unusable.push({ agentId: agent.agentId, reason, action: ACTIONS[reason] });
        continue;
      }
      usable += 1;
      if (!inGuild.has(agent.agentId)) candidates.push(agent);
    }
    candidates.sort((a, b) => a.agentId.localeCompare(b.agentId));
    const invites = candidates.slice(0, need).map((agent) => ({
      agentId: agent.agentId,
      clientId: agent.clientId,
      url: this.inviteUrl(agent.clientId),
    }));
    return {
      guildId: input.guildId,
      poolId: input.poolId,
      desiredTotal: input.desiredTotal,
      present,
      need,
      invites,
      shortfall: need - invites.length,
      diagnostics: { usable, unusable },
    };
  }

  /**
   * Invite URL of one agent: `<oauthUrl>?client_id=<id>&scope=bot%20applications.commands&
   * permissions=3165184` (Discord docs, Topics › OAuth2 › Bot Authorization Flow).
   */
  inviteUrl(clientId: string): string {
    const scope = encodeURIComponent(DEPLOY_INVITE_SCOPES.join(' '));
    return `${this.options.oauthUrl}?client_id=${clientId}&scope=${scope}&permissions=${DEPLOY_INVITE_PERMISSIONS.toString()}`;
  }

  private async assertAccessible(input: DeployPlanInput): Promise<void> {
    try {
      await this.pools.get(input.poolId, input.operator ? undefined : input.actorUserId);
    } catch (error) {
      if (error instanceof PoolsException && error.code === PoolsExceptionCode.PoolNotFound) {
        throw new DeployException(
          DeployExceptionCode.PoolNotAccessible,
          `Pool ${input.poolId} does not exist or is private and you are not one of its members.`,
        );
      }
      throw error;
    }
  }
}

function unusableReason(agent: AgentRegistrationView): DeployUnusableReason | null {
  switch (agent.status) {
    case AgentStatus.Active:
      return agent.tokenUsable ? null : 'undecryptable';
    case AgentStatus.Pending:
      return 'pending';
    case AgentStatus.Inactive:
      return 'inactive';
    case AgentStatus.Suspended:
      return 'suspended';
    case AgentStatus.Failed:
      return 'failed';
    case AgentStatus.Revoked:
      return 'revoked';
  }
}

function assertInput(input: DeployPlanInput): void {
  if (!Number.isInteger(input.desiredTotal) || input.desiredTotal < 0) {
    throw new DeployException(
      DeployExceptionCode.InvalidInput,
      'The desired total must be a whole number of agents (0–49).',
    );
  }
  if (input.desiredTotal > MAX_AGENTS_PER_GUILD) {
    throw new DeployException(
      DeployExceptionCode.DesiredTotalTooHigh,
      `A guild can hold at most ${MAX_AGENTS_PER_GUILD} agents (Discord allows 50 bots and the controller is one); you asked for ${input.desiredTotal}.`,
    );
  }
  if (!SNOWFLAKE.test(input.guildId))
    throw new DeployException(DeployExceptionCode.InvalidInput, 'The guild id must be a Discord snowflake.');
  if (!POOL_ID.test(input.poolId))
    throw new DeployException(DeployExceptionCode.InvalidInput, 'The pool id is malformed.');
  if (!input.operator && !SNOWFLAKE.test(input.actorUserId))
    throw new DeployException(DeployExceptionCode.InvalidInput, 'The actor must be a Discord user id.');
}
