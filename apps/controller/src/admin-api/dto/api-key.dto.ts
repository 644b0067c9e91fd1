import { ApiKeyScope } from '@app/access';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsEnum,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { SNOWFLAKE } from './common.dto';

/** Body of `POST /api/v1/api-keys`. */
export class ApiKeyCreateDto {
  /** 1–100 letters, digits, spaces or `_ . : -`. */
  @Matches(/^[\p{L}\p{N} _.:-]{1,100}$/u, {
    message: 'name must be 1–100 letters, digits, spaces or _ . : -',
  })
  name!: string;

  /** `read` (GET), `write` (changes), `admin` (runners and API keys); each implies the ones before. */
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(3)
  @IsEnum(ApiKeyScope, { each: true })
  scopes!: ApiKeyScope[];

  /** Expiry in days, 1–3650; omit for none. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;

  /**
   * Binds the key to this guild: it then reaches only the guild's settings, sessions, live
   * agents, deployments, audit events and ledger rows (other guilds answer 404).
   */
  @IsOptional()
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId?: string;

  /**
   * Binds the key to this existing pool: it then reaches only the pool, its agents, members and
   * contributions (other pools answer 404).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'poolId must be 1–64 letters, digits, _ or -' })
  poolId?: string;
}

/** An API key as operators see it (never the secret or its hash). */
export class ApiKeyResponseDto {
  id!: string;
  name!: string;
  prefix!: string;
  /** e.g. `cs_ab12cd34_****`. */
  masked!: string;
  scopes!: ApiKeyScope[];
  /** Guild the key is bound to, or null. */
  guildId!: string | null;
  /** Pool the key is bound to, or null. */
  poolId!: string | null;
  expiresAt!: Date | null;
  lastUsedAt!: Date | null;
  revokedAt!: Date | null;
  createdBy!: string;
  createdAt!: Date;
}

/** One page of API keys. */
export class ApiKeyPageDto {
  items!: ApiKeyResponseDto[];
  nextCursor!: string | null;
}

/** A new API key: `key` is shown only in this response. */
export class ApiKeyCreatedDto {
  /** `cs_<prefix>_<secret>`: send as `Authorization: Bearer <key>`. */
  key!: string;
  apiKey!: ApiKeyResponseDto;
}
