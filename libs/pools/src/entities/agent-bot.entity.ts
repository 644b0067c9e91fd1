import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { AgentStatus, sqlInList } from '../pools.constants';
import { AgentPool } from './agent-pool.entity';

/**
 * One registered agent identity (`agent_bots`). Id `agent<clientId>`. The bot token is stored
 * only as AES-256-GCM ciphertext (`iv ‖ tag ‖ ciphertext`) with the id of the key that sealed it.
 */
@Entity({ name: 'agent_bots' })
@Check('CHK_agent_bots_status', `"status" IN (${sqlInList(Object.values(AgentStatus))})`)
@Check('CHK_agent_bots_token_key', `("token_ciphertext" IS NULL) = ("token_key_id" IS NULL)`)
@Check('CHK_agent_bots_revoked_erased', `"status" <> '${AgentStatus.Revoked}' OR "token_ciphertext" IS NULL`)
@Check('CHK_agent_bots_failure_count', `"failure_count" >= 0`)
export class AgentBot {
  @PrimaryColumn({ name: 'agent_id', type: 'varchar', length: 40 })
  agentId!: string;

  @Index('UQ_agent_bots_client_id', { unique: true })
  @Column({ name: 'client_id', type: 'varchar', length: 32 })
  clientId!: string;

  @Column({ type: 'varchar', length: 64 })
  tag!: string;

  @Index('IDX_agent_bots_pool_id')
  @Column({ name: 'pool_id', type: 'varchar', length: 64 })
  poolId!: string;

  @ManyToOne(() => AgentPool, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id', foreignKeyConstraintName: 'FK_agent_bots_pool' })
  pool?: AgentPool;

  @Index('IDX_agent_bots_status')
  @Column({ type: 'varchar', length: 16 })
  status!: AgentStatus;

  @Column({ name: 'token_ciphertext', type: 'bytea', nullable: true })
  tokenCiphertext!: Buffer | null;

  @Column({ name: 'token_key_id', type: 'varchar', length: 64, nullable: true })
  tokenKeyId!: string | null;

  @Column({ name: 'contributed_by', type: 'varchar', length: 32 })
  contributedBy!: string;

  @Column({ name: 'failure_count', type: 'integer', default: 0 })
  failureCount!: number;

  @Column({ name: 'backoff_until', type: 'timestamptz', nullable: true })
  backoffUntil!: Date | null;

  @Column({ name: 'last_login_error', type: 'varchar', length: 500, nullable: true })
  lastLoginError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
