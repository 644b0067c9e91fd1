import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { PoolMemberRole, sqlInList } from '../pools.constants';
import { AgentPool } from './agent-pool.entity';

/** A user's role in a pool (`pool_members`, primary key (pool, user)). */
@Entity({ name: 'pool_members' })
@Check('CHK_pool_members_role', `"role" IN (${sqlInList(Object.values(PoolMemberRole))})`)
export class PoolMember {
  @PrimaryColumn({ name: 'pool_id', type: 'varchar', length: 64 })
  poolId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 32 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: PoolMemberRole;

  @ManyToOne(() => AgentPool, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pool_id', foreignKeyConstraintName: 'FK_pool_members_pool' })
  pool?: AgentPool;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
