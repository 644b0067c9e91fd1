import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ApiKeyScope } from '../access.constants';

const SCOPE_ARRAY = `ARRAY[${Object.values(ApiKeyScope)
  .map((scope) => `'${scope}'`)
  .join(', ')}]::text[]`;

/**
 * A scoped admin API key (`api_keys`). Only `sha256(secret)` is stored; `prefix` is the short
 * public id used to find the row.
 */
@Entity({ name: 'api_keys' })
@Check('CHK_api_keys_scopes', `cardinality("scopes") > 0 AND "scopes" <@ ${SCOPE_ARRAY}`)
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Index('UQ_api_keys_prefix', { unique: true })
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** `sha256:<hex>` of the random secret part. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 128 })
  secretHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiKeyScope[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /**
   * Guild the key is bound to (a Discord snowflake), or null. A bound key only reaches that
   * guild's settings, sessions, live agents, deployments, audit events and ledger rows.
   */
  @Column({ name: 'guild_id', type: 'varchar', length: 20, nullable: true })
  guildId!: string | null;

  /**
   * Pool the key is bound to (`pool_<ownerId>`), or null. A bound key only reaches that pool, its
   * agents, members and contributions. No foreign key: deleting the pool must not unbind the key.
   */
  @Column({ name: 'pool_id', type: 'varchar', length: 64, nullable: true })
  poolId!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
