import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { DEFAULT_RUNNER_CAPACITY } from '../pools.constants';

/** An agent runner process identity (`agent_runners`); only a hash of its secret is stored. */
@Entity({ name: 'agent_runners' })
@Check('CHK_agent_runners_capacity', `"capacity" >= 1`)
export class AgentRunner {
  @PrimaryColumn({ name: 'runner_id', type: 'varchar', length: 64 })
  runnerId!: string;

  /** `sha256:<hex>` of the 32-byte random secret. */
  @Column({ name: 'credential_hash', type: 'varchar', length: 128 })
  credentialHash!: string;

  @Column({ type: 'integer', default: DEFAULT_RUNNER_CAPACITY })
  capacity!: number;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  meta!: Record<string, unknown>;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
