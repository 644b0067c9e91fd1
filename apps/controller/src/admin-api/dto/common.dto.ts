import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** A Discord id (snowflake): 17–20 digits. */
export const SNOWFLAKE = /^\d{17,20}$/;

/** Cursor pagination of every list endpoint: pass `nextCursor` of a page to get the next one. */
export class PageQueryDto {
  /** Opaque cursor from the previous page's `nextCursor`. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;

  /**
   * Items per page (1–200, default 50).
   * @example 50
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200) // MAX_PAGE_SIZE, literal so the Swagger plugin documents it
  limit?: number;
}

/** RFC 9457 problem details (`application/problem+json`) of every error response. */
export class ProblemDto {
  /**
   * Stable URI of the problem type: `https://chopsticks.dev/problems/<code in kebab-case>`.
   * @example https://chopsticks.dev/problems/insufficient-scope
   */
  type!: string;
  /** Short summary of the problem type. */
  title!: string;
  /** HTTP status code. */
  status!: number;
  /** What went wrong with this request, as a sentence (never a secret or a stack). */
  detail!: string;
  /** Path of the request. */
  instance!: string;
  /**
   * Stable machine-readable code.
   * @example INSUFFICIENT_SCOPE
   */
  code!: string;
  /** Correlation id (also in the `x-request-id` header). */
  requestId!: string;
  /** Per-field messages of a validation failure. */
  errors?: ProblemFieldErrorDto[];
}

/** Validation messages of one request field. */
export class ProblemFieldErrorDto {
  /** Dotted path of the field, e.g. `scopes.0`. */
  field!: string;
  messages!: string[];
}
