import { Injectable, Logger } from '@nestjs/common';
import type { AutocompleteInteraction } from 'discord.js';
import { AutocompleteInterceptor } from 'necord';
import { DataSource, In } from 'typeorm';
import { AccessPolicy } from '@app/access';
import { AgentBot, PoolMember, PoolMemberRole } from '@app/pools';
import { AgentRegistry } from '@app/sessions';
import { type AutocompleteChoice, choiceName, respondWithChoices } from '../discord';

/**
 * `agent` option choices: the live agents of this server, the agents the user contributed and
 * those of pools they own or manage (bot owners: every agent), matched on tag or id. Answers no
 * choices when the lookup fails (e.g. the database is down), so the user can still type the id;
 * Discord expects the answer within 3 s (Discord docs, "Autocomplete").
 */
@Injectable()
export class AgentAutocompleteInterceptor extends AutocompleteInterceptor {
  private readonly logger = new Logger(AgentAutocompleteInterceptor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: AgentRegistry,
    private readonly policy: AccessPolicy,
  ) {
    super();
  }

  /** Responds with up to 25 `tag (agent id) · status` choices. */
  override transformOptions(interaction: AutocompleteInteraction): Promise<void> {
    return respondWithChoices(interaction, this.logger, () => this.choices(interaction));
  }

  private async choices(interaction: AutocompleteInteraction): Promise<AutocompleteChoice[]> {
    const typed = interaction.options.getFocused().toLowerCase();
    const userId = interaction.user.id;
    const repository = this.dataSource.getRepository(AgentBot);
    const inGuild = interaction.guildId ? [...this.agents.agentIdsInGuild(interaction.guildId)] : [];
    let rows: AgentBot[];
    if (this.policy.isBotOwner(userId)) {
      rows = await repository.find({ order: { agentId: 'ASC' }, take: 500 });
    } else {
      const managed = await this.dataSource.getRepository(PoolMember).find({
        where: { userId, role: In([PoolMemberRole.Owner, PoolMemberRole.Manager]) },
      });
      rows = await repository.find({
        where: [
          { contributedBy: userId },
          ...(managed.length > 0 ? [{ poolId: In(managed.map((member) => member.poolId)) }] : []),
          ...(inGuild.length > 0 ? [{ agentId: In(inGuild) }] : []),
        ],
        order: { agentId: 'ASC' },
        take: 500,
      });
    }
    const here = new Set(inGuild);
    return rows
      .sort((a, b) => Number(here.has(b.agentId)) - Number(here.has(a.agentId)))
      .map((row) => ({
        name: choiceName(
          `${row.tag} (${row.agentId}) · ${row.status}${here.has(row.agentId) ? ' · in this server' : ''}`,
        ),
        value: row.agentId,
      }))
      .filter((choice) => choice.name.toLowerCase().includes(typed));
  }
}
