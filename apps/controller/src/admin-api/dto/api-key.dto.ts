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
}

/** An API key as operators see it (never the secret or its hash). */
export class ApiKeyResponseDto {
  id!: string;
  name!: string;
  prefix!: string;
  /** e.g. `cs_ab12cd34_****`. */
  masked!: string;
  scopes!: ApiKeyScope[];
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
