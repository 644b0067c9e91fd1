import { Injectable, Logger } from '@nestjs/common';
import type { AutocompleteInteraction } from 'discord.js';
import { AutocompleteInterceptor } from 'necord';
import { DataSource, In } from 'typeorm';
import { AccessPolicy } from '@app/access';
import {
  AgentBot,
  ContributionStatus,
  PoolContribution,
  PoolMember,
  PoolMemberRole,
  PoolsService,
} from '@app/pools';
import { choiceName, respondWithChoices } from '../discord';

/** `pool` option choices: the pools the user can see (bot owners: all), matched on name or id. */
@Injectable()
export class PoolAutocompleteInterceptor extends AutocompleteInterceptor {
  private readonly logger = new Logger(PoolAutocompleteInterceptor.name);

  constructor(
    private readonly pools: PoolsService,
    private readonly policy: AccessPolicy,
  ) {
    super();
  }

  /** Responds with up to 25 `name (pool_id)` choices. */
  override transformOptions(interaction: AutocompleteInteraction): Promise<void> {
    return respondWithChoices(interaction, this.logger, async () => {
      const typed = interaction.options.getFocused().toLowerCase();
      const userId = interaction.user.id;
      const pools = await this.pools.list(this.policy.isBotOwner(userId) ? undefined : userId);
      return pools
        .filter((pool) => pool.id.includes(typed) || pool.name.toLowerCase().includes(typed))
        .map((pool) => ({
          name: choiceName(`${pool.name} (${pool.id}, ${pool.visibility})`),
          value: pool.id,
        }));
    });
  }
}

/** `contribution` option choices: pending contributions in pools the user manages (bot owners: all). */
@Injectable()
export class ContributionAutocompleteInterceptor extends AutocompleteInterceptor {
  private readonly logger = new Logger(ContributionAutocompleteInterceptor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: AccessPolicy,
  ) {
    super();
  }

  /** Responds with up to 25 `tag (agent id) → pool` choices, newest first. */
  override transformOptions(interaction: AutocompleteInteraction): Promise<void> {
    return respondWithChoices(interaction, this.logger, async () => {
      const userId = interaction.user.id;
      let poolIds: string[] | null = null;
      if (!this.policy.isBotOwner(userId)) {
        const managed = await this.dataSource.getRepository(PoolMember).find({
          where: { userId, role: In([PoolMemberRole.Owner, PoolMemberRole.Manager]) },
        });
        poolIds = managed.map((member) => member.poolId);
        if (poolIds.length === 0) return [];
      }
      const pending = await this.dataSource.getRepository(PoolContribution).find({
        where: { status: ContributionStatus.Pending, ...(poolIds ? { poolId: In(poolIds) } : {}) },
        order: { createdAt: 'DESC' },
        take: 100,
      });
      const agents = await this.dataSource
        .getRepository(AgentBot)
        .find({ where: { agentId: In(pending.map((contribution) => contribution.agentId)) } });
      const tags = new Map(agents.map((agent) => [agent.agentId, agent.tag]));
      const typed = interaction.options.getFocused().toLowerCase();
      return pending
        .map((contribution) => ({
          name: choiceName(
            `${tags.get(contribution.agentId) ?? contribution.agentId} (${contribution.agentId}) → ${contribution.poolId}`,
          ),
          value: contribution.id,
        }))
        .filter((choice) => choice.name.toLowerCase().includes(typed) || choice.value.includes(typed));
    });
  }
}
