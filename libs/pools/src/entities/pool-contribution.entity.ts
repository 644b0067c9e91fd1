import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ContributionStatus, sqlInList } from '../pools.constants';
import { AgentBot } from './agent-bot.entity';
import { AgentPool } from './agent-pool.entity';

/** A token contributed to someone else's pool, waiting for (or after) the owner's decision. */
@Entity({ name: 'pool_contributions' })
@Check('CHK_pool_contributions_status', `"status" IN (${sqlInList(Object.values(ContributionStatus))})`)
export class PoolContribution {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_pool_contributions_pool_id')
  @Column({ name: 'pool_id', type: 'varchar', length: 64 })
  poolId!: string;

  @ManyToOne(() => AgentPool, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pool_id', foreignKeyConstraintName: 'FK_pool_contributions_pool' })
  pool?: AgentPool;

  @Index('IDX_pool_contributions_agent_id')
  @Column({ name: 'agent_id', type: 'varchar', length: 40 })
  agentId!: string;

  @ManyToOne(() => AgentBot, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'FK_pool_contributions_agent' })
  agent?: AgentBot;

  @Column({ name: 'user_id', type: 'varchar', length: 32 })
  userId!: string;

  @Column({ type: 'varchar', length: 16, default: ContributionStatus.Pending })
  status!: ContributionStatus;

  @Column({ name: 'decided_by', type: 'varchar', length: 64, nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
