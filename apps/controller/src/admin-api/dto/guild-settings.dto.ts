import { IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { SNOWFLAKE } from './common.dto';

/** Music settings of a guild. */
export class GuildMusicSettingsDto {
  djRoleId?: string;
  defaultVolume?: number;
}

/** A guild's settings (defaults when never set). */
export class GuildSettingsResponseDto {
  guildId!: string;
  /** Pool whose agents the guild prefers; null = none selected. */
  selectedPoolId!: string | null;
  /** Idle-release override: null = product default, 0 = disabled, else seconds (≥ 60). */
  idleReleaseSeconds!: number | null;
  notifyChannelId!: string | null;
  music!: GuildMusicSettingsDto;
}

/** Body of `PATCH /api/v1/guilds/{guildId}/settings`; omitted fields keep their value, null resets. */
export class GuildSettingsUpdateDto {
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 64)
  selectedPoolId?: string | null;

  /** 0 disables idle release; otherwise ≥ 60 seconds. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  @Max(2_678_400) // 31 days
  idleReleaseSeconds?: number | null;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(SNOWFLAKE, { message: 'notifyChannelId must be a Discord id (17–20 digits)' })
  notifyChannelId?: string | null;
}
