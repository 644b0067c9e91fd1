import { AgentBotEntity } from './entities/agent-bot.entity';
import { AgentLeaseEntity } from './entities/agent-lease.entity';
import { AgentPoolEntity } from './entities/agent-pool.entity';
import { AgentRunnerEntity } from './entities/agent-runner.entity';
import { GuildSettingsEntity } from './entities/guild-settings.entity';
import { PoolContributionEntity } from './entities/pool-contribution.entity';
import { PoolMemberEntity } from './entities/pool-member.entity';

/** Every entity owned by the pools context. */
export const POOLS_ENTITIES = [
  AgentPoolEntity,
  PoolMemberEntity,
  AgentBotEntity,
  AgentRunnerEntity,
  AgentLeaseEntity,
  GuildSettingsEntity,
  PoolContributionEntity,
] as const;
