import { ContributionStatus, PoolMemberRole, PoolVisibility } from '@app/pools';
import {
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto, SNOWFLAKE } from './common.dto';

/** Body of `POST /api/v1/pools`. */
export class PoolCreateDto {
  /**
   * Discord user id of the owner; the pool id becomes `pool_<ownerId>`.
   * @example 123456789012345678
   */
  @Matches(SNOWFLAKE, { message: 'ownerId must be a Discord id (17–20 digits)' })
  ownerId!: string;

  /** Display name, 1–100 printable characters. */
  @IsString()
  @Length(1, 100)
  name!: string;

  /** Who may deploy from the pool (default private). */
  @IsOptional()
  @IsEnum(PoolVisibility)
  visibility?: PoolVisibility;

  /** Free-text specialty, e.g. `music`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  specialty?: string;

  /** Capacity, 1–49 (default 49). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(49) // MAX_AGENTS_PER_POOL, literal so the Swagger plugin documents it
  maxAgents?: number;

  /** Agents one contributor may add, ≥ 0 (default 3). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  maxContributionsPerUser?: number;
}

/** Body of `PATCH /api/v1/pools/{poolId}`. */
export class PoolUpdateDto {
  @IsEnum(PoolVisibility)
  visibility!: PoolVisibility;
}

/** Body of `POST /api/v1/pools/{poolId}/transfer`: the pool's current owner hands it over. */
export class PoolTransferDto {
  /** Discord user id of the new owner (must not own a pool yet). */
  @Matches(SNOWFLAKE, { message: 'toUserId must be a Discord id (17–20 digits)' })
  toUserId!: string;
}

/** Body of `PUT /api/v1/pools/{poolId}/members/{userId}`. */
export class PoolMemberGrantDto {
  /** Role to grant (ownership moves only by transfer). */
  @IsIn([PoolMemberRole.Manager, PoolMemberRole.Contributor, PoolMemberRole.Viewer])
  role!: PoolMemberRole;
}

/** Query of `GET /api/v1/pools/{poolId}/contributions`. */
export class ContributionListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsEnum(ContributionStatus)
  status?: ContributionStatus;
}

/** A pool. */
export class PoolResponseDto {
  /** `pool_<ownerId>`. */
  id!: string;
  ownerId!: string;
  name!: string;
  visibility!: PoolVisibility;
  maxAgents!: number;
  maxContributionsPerUser!: number;
  specialty!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One page of pools. */
export class PoolPageDto {
  items!: PoolResponseDto[];
  /** Cursor of the next page; null on the last page. */
  nextCursor!: string | null;
}

/** A member of a pool. */
export class PoolMemberResponseDto {
  poolId!: string;
  userId!: string;
  role!: PoolMemberRole;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One page of pool members. */
export class PoolMemberPageDto {
  items!: PoolMemberResponseDto[];
  nextCursor!: string | null;
}

/** A token contribution to a pool awaiting (or past) the owner's decision. */
export class ContributionResponseDto {
  id!: string;
  poolId!: string;
  agentId!: string;
  /** Discord user id of the contributor. */
  userId!: string;
  status!: ContributionStatus;
  decidedBy!: string | null;
  decidedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One page of contributions. */
export class ContributionPageDto {
  items!: ContributionResponseDto[];
  nextCursor!: string | null;
}
