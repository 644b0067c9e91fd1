import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { FUN_NAME_MAX_LENGTH, FUN_TEXT_FORMATS, type FunTextFormat } from '../fun-text';
import { FUN_CATEGORIES, type FunCategory } from '../fun-variant.schema';

/** Largest page of `GET /api/fun/catalog`. */
export const FUN_CATALOG_MAX_PAGE_SIZE = 100;
/** Most variants in one pack. */
export const FUN_PACK_MAX_COUNT = 20;

const intensity = () =>
  ApiPropertyOptional({
    description: '1 = gentle, 2 = medium, 3 = spicy (still friendly).',
    minimum: 1,
    maximum: 3,
  });

/** Query of `GET /api/fun/catalog`. */
export class FunCatalogQueryDto {
  @ApiPropertyOptional({
    description: 'Case-insensitive text to find in the template, answer or options.',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ description: 'Only variants with this tag.', example: 'music' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,23}$/, { message: 'tag must be a lowercase slug' })
  tag?: string;

  @ApiPropertyOptional({ enum: FUN_CATEGORIES })
  @IsOptional()
  @IsIn(FUN_CATEGORIES)
  category?: FunCategory;

  @intensity()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3)
  intensity?: number;

  @ApiPropertyOptional({ description: '1-based page number.', default: 1, minimum: 1, maximum: 10_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  page: number = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: FUN_CATALOG_MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FUN_CATALOG_MAX_PAGE_SIZE)
  pageSize: number = 20;
}

/** Query of `GET /api/fun/random`. */
export class FunRandomQueryDto {
  @ApiPropertyOptional({ enum: FUN_CATEGORIES, description: 'Any category when omitted.' })
  @IsOptional()
  @IsIn(FUN_CATEGORIES)
  category?: FunCategory;

  @intensity()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3)
  intensity?: number;
}

/** Who the text is about and how it is escaped (shared by render and pack). */
export class FunNamesDto {
  @ApiPropertyOptional({
    description: `Name put into {target} (control characters removed, whitespace collapsed). Default "friend".`,
    maxLength: FUN_NAME_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(FUN_NAME_MAX_LENGTH)
  target?: string;

  @ApiPropertyOptional({
    description: `Name put into {actor}. Default "Someone".`,
    maxLength: FUN_NAME_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(FUN_NAME_MAX_LENGTH)
  actor?: string;

  @ApiPropertyOptional({
    enum: FUN_TEXT_FORMATS,
    default: 'plain',
    description: 'markdown escapes the names for Discord/CommonMark; html escapes the whole text.',
  })
  @IsOptional()
  @IsIn(FUN_TEXT_FORMATS)
  format: FunTextFormat = 'plain';
}

/** Body of `POST /api/fun/render`: a variant by `id`, or a random one by category/intensity. */
export class FunRenderDto extends FunNamesDto {
  @ApiPropertyOptional({
    description: 'Render exactly this variant (then omit category and intensity).',
    example: 'compliment-001',
  })
  @IsOptional()
  @Matches(/^[a-z]+-\d{3,6}$/, { message: 'id must look like compliment-001' })
  id?: string;

  @ApiPropertyOptional({ enum: FUN_CATEGORIES })
  @IsOptional()
  @IsIn(FUN_CATEGORIES)
  category?: FunCategory;

  @intensity()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3)
  intensity?: number;
}

/** Query of `GET /api/fun/pack`. */
export class FunPackQueryDto extends FunNamesDto {
  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: FUN_PACK_MAX_COUNT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FUN_PACK_MAX_COUNT)
  count: number = 5;

  @ApiPropertyOptional({
    description: 'Comma-separated categories to mix (all when omitted), e.g. riddle,trivia.',
    example: 'compliment,riddle',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value,
  )
  @ArrayMaxSize(FUN_CATEGORIES.length)
  @IsIn(FUN_CATEGORIES, { each: true })
  categories?: FunCategory[];

  @intensity()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3)
  intensity?: number;
}
