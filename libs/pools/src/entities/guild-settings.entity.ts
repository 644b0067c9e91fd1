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
import { MIN_IDLE_RELEASE_SECONDS } from '../pools.constants';
import { AgentPool } from './agent-pool.entity';

/** Music settings of a guild (`guild_settings.music`). Volume in percent (0–200). */
export interface GuildMusicSettings {
  djRoleId?: string;
  defaultVolume?: number;
}

/**
 * Per-guild settings (`guild_settings`). `idle_release_seconds`: `null` = product default,
 * `0` = idle release disabled, otherwise ≥ 60 s.
 */
@Entity({ name: 'guild_settings' })
@Check(
  'CHK_guild_settings_idle_release',
  `"idle_release_seconds" IS NULL OR "idle_release_seconds" = 0 OR "idle_release_seconds" >= ${MIN_IDLE_RELEASE_SECONDS}`,
)
export class GuildSettings {
  @PrimaryColumn({ name: 'guild_id', type: 'varchar', length: 32 })
  guildId!: string;

  @Column({ name: 'selected_pool_id', type: 'varchar', length: 64, nullable: true })
  selectedPoolId!: string | null;

  @ManyToOne(() => AgentPool, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'selected_pool_id', foreignKeyConstraintName: 'FK_guild_settings_selected_pool' })
  selectedPool?: AgentPool | null;

  @Column({ name: 'idle_release_seconds', type: 'integer', nullable: true })
  idleReleaseSeconds!: number | null;

  @Column({ name: 'notify_channel_id', type: 'varchar', length: 32, nullable: true })
  notifyChannelId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  music!: GuildMusicSettings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
