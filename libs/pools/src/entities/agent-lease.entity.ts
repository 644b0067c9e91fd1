import { Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { AgentBot } from './agent-bot.entity';
import { AgentRunner } from './agent-runner.entity';

/**
 * Which runner runs an agent (`agent_leases`). The agent id is the primary key, so an agent has at
 * most one lease row; a lease is live while `expires_at` is in the future.
 */
@Entity({ name: 'agent_leases' })
export class AgentLease {
  @PrimaryColumn({ name: 'agent_id', type: 'varchar', length: 40 })
  agentId!: string;

  @OneToOne(() => AgentBot, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'FK_agent_leases_agent' })
  agent?: AgentBot;

  @Index('IDX_agent_leases_runner_id')
  @Column({ name: 'runner_id', type: 'varchar', length: 64 })
  runnerId!: string;

  @ManyToOne(() => AgentRunner, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'runner_id', foreignKeyConstraintName: 'FK_agent_leases_runner' })
  runner?: AgentRunner;

  @Column({ name: 'acquired_at', type: 'timestamptz' })
  acquiredAt!: Date;

  @Index('IDX_agent_leases_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
