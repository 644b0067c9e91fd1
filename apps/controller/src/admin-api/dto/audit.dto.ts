import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from './common.dto';

/** Query of `GET /api/v1/audit-events`: filters by actor, target and time, newest first. */
export class AuditListQueryDto extends PageQueryDto {
  /** e.g. `api-key:<key prefix>`, `cli`, or a Discord user id. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actor?: string;

  /** e.g. `pool.create`. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  /** e.g. `pool`, `agent`, `runner`, `api-key`, `guild`, `session`. */
  @IsOptional()
  @IsString()
  @Length(1, 32)
  targetType?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  targetId?: string;

  /** Only events at or after this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Only events before this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

/** One entry of the append-only audit log. */
export class AuditEventDto {
  id!: string;
  actor!: string;
  action!: string;
  targetType!: string;
  targetId!: string | null;
  /** Details of the change (never secrets). */
  payload!: Record<string, unknown>;
  requestId!: string | null;
  createdAt!: Date;
}

/** One page of audit events. */
export class AuditEventPageDto {
  items!: AuditEventDto[];
  nextCursor!: string | null;
}
