import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/access';
import { DataSource } from 'typeorm';
import { AgentPool, GuildMusicSettings, GuildSettings } from './entities';
import { Actor } from './pools.actor';
import { MIN_IDLE_RELEASE_SECONDS, SNOWFLAKE_PATTERN } from './pools.constants';
import { PoolsException, PoolsExceptionCode } from './pools.exception';

/** A guild's settings; a guild without a row has the defaults (all `null`, music `{}`). */
export interface GuildSettingsView {
  guildId: string;
  selectedPoolId: string | null;
  /** `null` = product default, `0` = idle release disabled, else seconds (≥ 60). */
  idleReleaseSeconds: number | null;
  notifyChannelId: string | null;
  music: GuildMusicSettings;
}

/** Fields to change; omitted fields keep their value, `null` resets to the default. */
export interface GuildSettingsPatch {
  selectedPoolId?: string | null;
  idleReleaseSeconds?: number | null;
  notifyChannelId?: string | null;
  music?: GuildMusicSettings;
}

/** Per-guild settings (`guild_settings`): selected pool, idle-release override, notices, music. */
@Injectable()
export class GuildSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Settings of a guild (defaults when never set). */
  async get(guildId: string): Promise<GuildSettingsView> {
    const row = await this.dataSource.getRepository(GuildSettings).findOne({ where: { guildId } });
    return row
      ? toView(row)
      : { guildId, selectedPoolId: null, idleReleaseSeconds: null, notifyChannelId: null, music: {} };
  }

  /**
   * Creates or updates a guild's settings.
   * @throws PoolsException INVALID_INPUT (ids, idle seconds not null/0/≥ 60, volume outside
   *   0–200), POOL_NOT_FOUND for an unknown selected pool.
   */
  async upsert(guildId: string, patch: GuildSettingsPatch, actor: Actor): Promise<GuildSettingsView> {
    assertSnowflake(guildId, 'guild id');
    if (patch.notifyChannelId != null) assertSnowflake(patch.notifyChannelId, 'notify channel id');
    const idle = patch.idleReleaseSeconds;
    if (idle != null && !(Number.isInteger(idle) && (idle === 0 || idle >= MIN_IDLE_RELEASE_SECONDS))) {
      throw invalid(
        `The idle release must be 0 (disabled) or a whole number of seconds ≥ ${MIN_IDLE_RELEASE_SECONDS}.`,
      );
    }
    if (patch.music) validateMusic(patch.music);
    return this.dataSource.transaction(async (manager) => {
      if (
        patch.selectedPoolId != null &&
        !(await manager.exists(AgentPool, { where: { id: patch.selectedPoolId } }))
      ) {
        throw new PoolsException(
          PoolsExceptionCode.PoolNotFound,
          `Pool ${patch.selectedPoolId} does not exist.`,
        );
      }
      const existing = await manager.findOne(GuildSettings, {
        where: { guildId },
        lock: { mode: 'pessimistic_write' },
      });
      const row =
        existing ??
        manager.create(GuildSettings, {
          guildId,
          selectedPoolId: null,
          idleReleaseSeconds: null,
          notifyChannelId: null,
          music: {},
        });
      if (patch.selectedPoolId !== undefined) row.selectedPoolId = patch.selectedPoolId;
      if (patch.idleReleaseSeconds !== undefined) row.idleReleaseSeconds = patch.idleReleaseSeconds;
      if (patch.notifyChannelId !== undefined) row.notifyChannelId = patch.notifyChannelId;
      if (patch.music !== undefined) row.music = { ...row.music, ...patch.music };
      const saved = await manager.save(GuildSettings, row);
      await this.audit.record(
        {
          actor: actor.id,
          requestId: actor.requestId,
          action: 'guild.settings',
          targetType: 'guild',
          targetId: guildId,
          payload: { ...patch },
        },
        manager,
      );
      return toView(saved);
    });
  }
}

/**
 * The idle-release threshold that applies to a guild.
 * @returns seconds, or `null` when idle release is disabled for the guild.
 */
export function effectiveIdleReleaseSeconds(
  settings: Pick<GuildSettingsView, 'idleReleaseSeconds'>,
  defaultSeconds: number,
): number | null {
  if (settings.idleReleaseSeconds === null) return defaultSeconds;
  return settings.idleReleaseSeconds === 0 ? null : settings.idleReleaseSeconds;
}

function validateMusic(music: GuildMusicSettings): void {
  if (music.djRoleId !== undefined) assertSnowflake(music.djRoleId, 'DJ role id');
  if (
    music.defaultVolume !== undefined &&
    !(Number.isInteger(music.defaultVolume) && music.defaultVolume >= 0 && music.defaultVolume <= 200)
  ) {
    throw invalid('The default volume must be a whole percentage from 0 to 200.');
  }
}

function toView(row: GuildSettings): GuildSettingsView {
  return {
    guildId: row.guildId,
    selectedPoolId: row.selectedPoolId,
    idleReleaseSeconds: row.idleReleaseSeconds,
    notifyChannelId: row.notifyChannelId,
    music: row.music,
  };
}

function assertSnowflake(value: string, what: string): void {
  if (!SNOWFLAKE_PATTERN.test(value)) throw invalid(`The ${what} must be a Discord id (17–20 digits).`);
}

function invalid(message: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.InvalidInput, message);
}
