import { AgentBot } from './agent-bot.entity';
import { AgentLease } from './agent-lease.entity';
import { AgentPool } from './agent-pool.entity';
import { AgentRunner } from './agent-runner.entity';
import { GuildSettings } from './guild-settings.entity';
import { PoolContribution } from './pool-contribution.entity';
import { PoolMember } from './pool-member.entity';

export { AgentBot, AgentLease, AgentPool, AgentRunner, GuildSettings, PoolContribution, PoolMember };
export type { GuildMusicSettings } from './guild-settings.entity';

/** Every entity of the pools context, for `TypeOrmModule.forFeature` and the data source. */
export const POOLS_ENTITIES = [
  AgentPool,
  PoolMember,
  AgentBot,
  AgentRunner,
  AgentLease,
  GuildSettings,
  PoolContribution,
];
