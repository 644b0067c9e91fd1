import { LEDGER_KINDS, LedgerEvent } from '@app/ledger';
import { ApiProperty } from '@nestjs/swagger';
import { IsEnum, IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { PageQueryDto, SNOWFLAKE } from './common.dto';

/** Query of `GET /api/v1/ledger`: lease ledger rows newest first, by guild, time, event and kind. */
export class LedgerListQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId?: string;

  /** Rows at or after this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Rows before this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @IsOptional()
  @IsEnum(LedgerEvent)
  event?: LedgerEvent;

  @IsOptional()
  @IsIn(LEDGER_KINDS)
  @ApiProperty({ enum: LEDGER_KINDS, required: false, type: String })
  kind?: string;
}

/** One lease ledger row: an allocation, release or failover of a session. */
export class LedgerEntryDto {
  /** Row id (bigserial, as a decimal string). */
  id!: string;
  guildId!: string;
  /** Voice channel of the session. */
  channelId!: string;
  @ApiProperty({ enum: LEDGER_KINDS, type: String })
  kind!: string;
  event!: LedgerEvent;
  agentId!: string | null;
  /** Failover: the agent that was lost. */
  previousAgentId!: string | null;
  sessionId!: string | null;
  /** Release reason or failover outcome. */
  reason!: string | null;
  /** Who caused it: a Discord user id, `api-key:<key prefix>`, or `system`. */
  actor!: string | null;
  /** Failover: seconds from the loss to the resumed session. */
  latencySeconds!: number | null;
  occurredAt!: Date;
}

/** One page of ledger rows. */
export class LedgerEntryPageDto {
  items!: LedgerEntryDto[];
  nextCursor!: string | null;
}
