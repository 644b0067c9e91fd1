import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import {
  DEFAULT_MAX_CONTRIBUTIONS_PER_USER,
  MAX_AGENTS_PER_POOL,
  PoolVisibility,
  sqlInList,
} from '../pools.constants';

/** A pool of agent identities owned by one user (`agent_pools`, SPEC §3). Id: `pool_<ownerUserId>`. */
@Entity({ name: 'agent_pools' })
@Check('CHK_agent_pools_visibility', `"visibility" IN (${sqlInList(Object.values(PoolVisibility))})`)
@Check('CHK_agent_pools_max_agents', `"max_agents" >= 1 AND "max_agents" <= ${MAX_AGENTS_PER_POOL}`)
@Check('CHK_agent_pools_max_contributions', `"max_contributions_per_user" >= 0`)
export class AgentPool {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Index('IDX_agent_pools_owner_id')
  @Column({ name: 'owner_id', type: 'varchar', length: 32 })
  ownerId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: PoolVisibility.Private })
  visibility!: PoolVisibility;

  @Column({ name: 'max_agents', type: 'integer', default: MAX_AGENTS_PER_POOL })
  maxAgents!: number;

  @Column({
    name: 'max_contributions_per_user',
    type: 'integer',
    default: DEFAULT_MAX_CONTRIBUTIONS_PER_USER,
  })
  maxContributionsPerUser!: number;

  @Column({ type: 'varchar', length: 32, nullable: true })
  specialty!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  meta!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
