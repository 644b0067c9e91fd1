import { Injectable, UseInterceptors } from '@nestjs/common';
import { type ChatInputCommandInteraction, InteractionContextType, type User } from 'discord.js';
import { Context, createCommandGroupDecorator, Options, type SlashCommandContext, Subcommand } from 'necord';
import { DataSource } from 'typeorm';
import { AccessPolicy, type PoolRole } from '@app/access';
import {
  type AgentPool,
  AgentRegistrationsService,
  ContributionStatus,
  GuildSettingsService,
  PoolContribution,
  PoolMember,
  PoolsException,
  PoolsExceptionCode,
  PoolsService,
  PoolVisibility,
} from '@app/pools';
import { CommandReplyError } from '../discord';
import { PoolContributionDto } from './dto/pool-contribution.dto';
import { PoolCreateDto } from './dto/pool-create.dto';
import { PoolIdDto } from './dto/pool-id.dto';
import { PoolMemberGrantDto } from './dto/pool-member-grant.dto';
import { PoolUserDto } from './dto/pool-user.dto';
import { PoolVisibilityDto } from './dto/pool-visibility.dto';
import { GuildPoolRouting } from '../routing';
import { type PoolsCall, PoolsCommandRunner } from './pools-command.runner';
import {
  ContributionAutocompleteInterceptor,
  PoolAutocompleteInterceptor,
} from './pools-autocomplete.interceptors';
import {
  CONTRIBUTION_ID_PATTERN,
  POOL_ID_PATTERN,
  POOL_NAME_MAX_LENGTH,
  POOL_SPECIALTY_MAX_LENGTH,
} from './pools-commands.constants';
import { PoolsCommandErrorCode, PoolsCommandException } from './pools-commands.exception';
import {
  poolChangedEmbed,
  poolContributionsEmbed,
  poolCreatedEmbed,
  poolInfoEmbed,
  poolListEmbed,
  poolMembersEmbed,
} from './pools-replies';

/** `/pools …` (SPEC §6), guild-only. Replies are ephemeral except `/pools select` (a server change). */
const PoolsCommandGroup = createCommandGroupDecorator({
  name: 'pools',
  description: 'Create, share and manage pools of agents',
  contexts: [InteractionContextType.Guild],
});

const PRINTABLE = /^[^\p{C}]+$/u;

/** @throws PoolsCommandException POOL_ID_INVALID unless `pool_<snowflake>` */
function poolIdOf(value: string): string {
  const poolId = value.trim();
  if (!POOL_ID_PATTERN.test(poolId))
    throw new PoolsCommandException(PoolsCommandErrorCode.PoolIdInvalid, poolId);
  return poolId;
}

/** @throws PoolsCommandException USER_IS_BOT for a bot account */
function personOf(user: User): User {
  if (user.bot) throw new PoolsCommandException(PoolsCommandErrorCode.UserIsBot, `<@${user.id}>`);
  return user;
}

function poolLabel(pool: AgentPool): string {
  return `**${pool.name.replace(/([\\*_`~|])/g, '\\$1')}** (\`${pool.id}\`)`;
}

/**
 * Shared reads of the `/pools` handlers: a pool as the caller may see it (private pools are
 * hidden from non-members; bot owners see all).
 */
@Injectable()
export class PoolsCommandReads {
  constructor(
    private readonly pools: PoolsService,
    private readonly policy: AccessPolicy,
  ) {}

  /** @throws PoolsException POOL_NOT_FOUND (also for a private pool the caller is not in) */
  visiblePool(poolId: string, call: PoolsCall): Promise<AgentPool> {
    return this.pools.get(poolId, call.botOwner ? undefined : call.access.userId);
  }

  /**
   * The common start of a personal `/pools` handler: defers ephemerally, loads the pool as the
   * caller may see it and, given `minimum`, checks the caller holds that role or a higher one.
   * @throws PoolsException POOL_NOT_FOUND, AccessDeniedException POOL_ROLE_REQUIRED
   */
  async deferVisiblePool(poolId: string, call: PoolsCall, minimum?: PoolRole): Promise<AgentPool> {
    await call.handle.defer({ ephemeral: true });
    const pool = await this.visiblePool(poolId, call);
    if (minimum) await this.policy.assertPoolRole(call.access, poolId, minimum);
    return pool;
  }
}

/**
 * `/pools create|list|info|select|visibility|transfer|delete`. Every handler checks its input
 * first, defers (ephemeral, except `select`), then asks the access policy and the pools services;
 * multi-step writes are one transaction inside the services, so an error leaves nothing
 * half-written.
 */
@PoolsCommandGroup()
@Injectable()
export class PoolsCommands {
  constructor(
    private readonly runner: PoolsCommandRunner,
    private readonly reads: PoolsCommandReads,
    private readonly policy: AccessPolicy,
    private readonly pools: PoolsService,
    private readonly agents: AgentRegistrationsService,
    private readonly guilds: GuildSettingsService,
    private readonly dataSource: DataSource,
    private readonly routing: GuildPoolRouting,
  ) {}

  @Subcommand({ name: 'create', description: 'Create your pool (one per user): pool_<your id>' })
  async create(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolCreateDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const name = (options.name ?? '').trim();
      if (name.length === 0 || name.length > POOL_NAME_MAX_LENGTH || !PRINTABLE.test(name))
        throw new PoolsCommandException(PoolsCommandErrorCode.NameInvalid);
      const specialty = options.specialty?.trim() || null;
      if (specialty !== null && (specialty.length > POOL_SPECIALTY_MAX_LENGTH || !PRINTABLE.test(specialty)))
        throw new PoolsCommandException(PoolsCommandErrorCode.SpecialtyInvalid);
      await call.handle.defer({ ephemeral: true });
      try {
        const pool = await this.pools.create(
          {
            ownerId: call.access.userId,
            name,
            specialty,
            ...(options.visibility ? { visibility: options.visibility } : {}),
            ...(options.maxAgents != null ? { maxAgents: options.maxAgents } : {}),
            ...(options.maxContributionsPerUser != null
              ? { maxContributionsPerUser: options.maxContributionsPerUser }
              : {}),
          },
          call.actor,
        );
        return { embeds: [poolCreatedEmbed(pool)] };
      } catch (error) {
        if (error instanceof PoolsException && error.code === PoolsExceptionCode.PoolExists) {
          throw new CommandReplyError(await this.whyNoNewPool(call.access.userId), 'invalid');
        }
        throw error;
      }
    });
  }

  /**
   * The true reason a user cannot create a pool: they own one (maybe one transferred to them), or
   * their id `pool_<user id>` is still held by the pool they created and transferred (SPEC §3).
   */
  private async whyNoNewPool(userId: string): Promise<string> {
    const owned = (await this.pools.list(userId)).find((pool) => pool.ownerId === userId);
    if (owned) {
      return `You already own a pool (\`${owned.id}\`) — each user can own one. See it with /pools info.`;
    }
    const taken = await this.pools.get(PoolsService.poolIdFor(userId));
    return `You can’t create a pool: pool ids are pool_<creator id>, and \`${taken.id}\` is the pool you created and transferred to <@${taken.ownerId}>. Ask them to transfer it back if you need it.`;
  }

  @Subcommand({ name: 'list', description: 'Pools you can use: public ones and those you belong to' })
  async list(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.runner.run(interaction, async (call) => {
      await call.handle.defer({ ephemeral: true });
      const userId = call.access.userId;
      const [pools, memberships, settings] = await Promise.all([
        this.pools.list(call.botOwner ? undefined : userId),
        this.dataSource.getRepository(PoolMember).find({ where: { userId } }),
        this.guildDefault(interaction),
      ]);
      const roles = new Map(memberships.map((member) => [member.poolId, member.role as string]));
      return { embeds: [poolListEmbed(pools, roles, settings)] };
    });
  }

  @Subcommand({ name: 'info', description: 'Details of a pool: owner, agents, limits, your role' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async info(@Context() [interaction]: SlashCommandContext, @Options() options: PoolIdDto): Promise<void> {
    await this.runner.run(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const pool = await this.reads.deferVisiblePool(poolId, call);
      const [agents, members, pending, viewerRole, guildDefault] = await Promise.all([
        this.agents.list({ poolId }),
        this.pools.members(poolId),
        this.agents.listContributions(poolId, ContributionStatus.Pending),
        this.policy.poolRole(poolId, call.access.userId),
        this.guildDefault(interaction),
      ]);
      return {
        embeds: [
          poolInfoEmbed(pool, {
            agents,
            members: members.length,
            pendingContributions: pending.length,
            viewerRole,
            guildDefault: guildDefault === poolId,
          }),
        ],
      };
    });
  }

  @Subcommand({ name: 'select', description: 'Make a pool this server’s default (needs Manage Server)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async select(@Context() [interaction]: SlashCommandContext, @Options() options: PoolIdDto): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const guildId = interaction.guildId;
      if (!guildId) throw new PoolsCommandException(PoolsCommandErrorCode.GuildOnly);
      this.policy.assertGuildAdmin(call.access);
      const poolId = poolIdOf(options.pool);
      // Look-up and permission first: a refusal is personal (ephemeral reply), only the change is public.
      const pool = await this.reads.visiblePool(poolId, call);
      await call.handle.defer();
      await this.guilds.upsert(guildId, { selectedPoolId: pool.id }, call.actor);
      this.routing.invalidate(guildId);
      return {
        embeds: [
          poolChangedEmbed(
            'Default pool selected',
            `This server now takes agents from ${poolLabel(pool)} first. <@${call.access.userId}> made the change.`,
          ),
        ],
      };
    });
  }

  @Subcommand({ name: 'visibility', description: 'Make a pool public or private (owner or manager)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async visibility(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolVisibilityDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      await this.reads.deferVisiblePool(poolId, call, 'manager');
      const pool = await this.pools.setVisibility(poolId, options.visibility, call.actor);
      this.routing.invalidate();
      const meaning =
        options.visibility === PoolVisibility.Public
          ? 'Every server can now find it with /agents advisor and deploy its agents.'
          : 'Only its members can see and use it now.';
      return {
        embeds: [
          poolChangedEmbed('Visibility changed', `${poolLabel(pool)} is ${options.visibility}. ${meaning}`),
        ],
      };
    });
  }

  @Subcommand({ name: 'transfer', description: 'Give your pool to another user; you stay on as manager' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async transfer(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolUserDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const target = personOf(options.user);
      const before = await this.reads.deferVisiblePool(poolId, call, 'owner');
      try {
        const pool = await this.pools.transfer(poolId, before.ownerId, target.id, call.actor);
        const former =
          before.ownerId === call.access.userId ? 'You stay on' : `<@${before.ownerId}> stays on`;
        return {
          embeds: [
            poolChangedEmbed(
              'Pool transferred',
              `<@${target.id}> now owns ${poolLabel(pool)}. ${former} as a manager. The pool keeps its id and its agents.`,
            ),
          ],
        };
      } catch (error) {
        if (error instanceof PoolsException && error.code === PoolsExceptionCode.PoolExists) {
          throw new CommandReplyError(
            `<@${target.id}> already owns a pool, and each user can own only one — nothing was transferred.`,
            'invalid',
          );
        }
        throw error;
      }
    });
  }

  @Subcommand({ name: 'delete', description: 'Delete your pool (only once it has no agents)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async delete(@Context() [interaction]: SlashCommandContext, @Options() options: PoolIdDto): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const pool = await this.reads.deferVisiblePool(poolId, call, 'owner');
      await this.pools.delete(poolId, call.actor);
      this.routing.invalidate();
      return {
        embeds: [poolChangedEmbed('Pool deleted', `${poolLabel(pool)} and its member list are gone.`)],
      };
    });
  }

  /** The selected pool of the interaction's guild, or null. */
  private async guildDefault(interaction: ChatInputCommandInteraction): Promise<string | null> {
    if (!interaction.guildId) return null;
    return (await this.guilds.get(interaction.guildId)).selectedPoolId;
  }
}

/** `/pools members list|grant|revoke`: roles in a pool (owner > manager > contributor > viewer). */
@PoolsCommandGroup({ name: 'members', description: 'Who has which role in a pool' })
@Injectable()
export class PoolsMembersCommands {
  constructor(
    private readonly runner: PoolsCommandRunner,
    private readonly reads: PoolsCommandReads,
    private readonly pools: PoolsService,
  ) {}

  @Subcommand({ name: 'list', description: 'Members of a pool and their roles' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async list(@Context() [interaction]: SlashCommandContext, @Options() options: PoolIdDto): Promise<void> {
    await this.runner.run(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const pool = await this.reads.deferVisiblePool(poolId, call);
      return { embeds: [poolMembersEmbed(pool, await this.pools.members(poolId))] };
    });
  }

  @Subcommand({ name: 'grant', description: 'Give a user a role in a pool (owner or manager)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async grant(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolMemberGrantDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const user = personOf(options.user);
      const pool = await this.reads.deferVisiblePool(poolId, call, 'manager');
      const member = await this.pools.grantMember(poolId, user.id, options.role, call.actor);
      return {
        embeds: [
          poolChangedEmbed(
            'Role granted',
            `<@${member.userId}> is now a ${member.role} of ${poolLabel(pool)}.`,
          ),
        ],
      };
    });
  }

  @Subcommand({ name: 'revoke', description: 'Remove a user from a pool (owner or manager)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async revoke(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolUserDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const pool = await this.reads.deferVisiblePool(poolId, call, 'manager');
      await this.pools.revokeMember(poolId, options.user.id, call.actor);
      return {
        embeds: [
          poolChangedEmbed(
            'Member removed',
            `<@${options.user.id}> no longer has a role in ${poolLabel(pool)}.`,
          ),
        ],
      };
    });
  }
}

/** `/pools contributions list|approve|reject`: tokens other users contributed, awaiting a decision. */
@PoolsCommandGroup({
  name: 'contributions',
  description: 'Tokens contributed to a pool, waiting for approval',
})
@Injectable()
export class PoolsContributionsCommands {
  constructor(
    private readonly runner: PoolsCommandRunner,
    private readonly reads: PoolsCommandReads,
    private readonly policy: AccessPolicy,
    private readonly agents: AgentRegistrationsService,
    private readonly dataSource: DataSource,
  ) {}

  @Subcommand({ name: 'list', description: 'Pending contributions of a pool (owner or manager)' })
  @UseInterceptors(PoolAutocompleteInterceptor)
  async list(@Context() [interaction]: SlashCommandContext, @Options() options: PoolIdDto): Promise<void> {
    await this.runner.run(interaction, async (call) => {
      const poolId = poolIdOf(options.pool);
      const pool = await this.reads.deferVisiblePool(poolId, call, 'manager');
      const [pending, agents] = await Promise.all([
        this.agents.listContributions(poolId, ContributionStatus.Pending),
        this.agents.list({ poolId }),
      ]);
      return {
        embeds: [
          poolContributionsEmbed(pool, pending, new Map(agents.map((agent) => [agent.agentId, agent]))),
        ],
      };
    });
  }

  @Subcommand({
    name: 'approve',
    description: 'Approve a pending contribution (refused when the pool is full)',
  })
  @UseInterceptors(ContributionAutocompleteInterceptor)
  async approve(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolContributionDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const contribution = await this.decidable(options.contribution, call);
      const decided = await this.agents.approveContribution(contribution.id, call.actor);
      return {
        embeds: [
          poolChangedEmbed(
            'Contribution approved',
            `Agent \`${decided.agentId}\` from <@${decided.userId}> is now active in \`${decided.poolId}\`.`,
          ),
        ],
      };
    });
  }

  @Subcommand({ name: 'reject', description: 'Reject a pending contribution (its token is erased)' })
  @UseInterceptors(ContributionAutocompleteInterceptor)
  async reject(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: PoolContributionDto,
  ): Promise<void> {
    await this.runner.mutate(interaction, async (call) => {
      const contribution = await this.decidable(options.contribution, call);
      const decided = await this.agents.rejectContribution(contribution.id, call.actor);
      return {
        embeds: [
          poolChangedEmbed(
            'Contribution rejected',
            `Agent \`${decided.agentId}\` from <@${decided.userId}> was not added to \`${decided.poolId}\`; its token was erased (the bot can be registered again elsewhere).`,
          ),
        ],
      };
    });
  }

  /**
   * Checks the id, defers, loads the contribution and asks the policy for manager or owner of its
   * pool. @throws PoolsCommandException, PoolsException CONTRIBUTION_NOT_FOUND, AccessDeniedException
   */
  private async decidable(value: string, call: PoolsCall): Promise<PoolContribution> {
    const id = value.trim();
    if (!CONTRIBUTION_ID_PATTERN.test(id))
      throw new PoolsCommandException(PoolsCommandErrorCode.ContributionIdInvalid, id);
    await call.handle.defer({ ephemeral: true });
    const contribution = await this.dataSource.getRepository(PoolContribution).findOne({ where: { id } });
    if (!contribution)
      throw new PoolsException(PoolsExceptionCode.ContributionNotFound, `Contribution ${id} does not exist.`);
    await this.policy.assertPoolRole(call.access, contribution.poolId, 'manager');
    return contribution;
  }
}
