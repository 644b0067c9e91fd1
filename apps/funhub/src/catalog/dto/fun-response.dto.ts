import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FUN_CATEGORIES, type FunCategory } from '../fun-variant.schema';

/** A catalog entry: the template with its `{target}`/`{actor}` placeholders. */
export class FunVariantDto {
  @ApiProperty({ example: 'riddle-004' })
  id!: string;

  @ApiProperty({ enum: FUN_CATEGORIES })
  category!: FunCategory;

  @ApiProperty({ type: [String], example: ['time'] })
  tags!: string[];

  @ApiProperty({ enum: [1, 2, 3] })
  intensity!: 1 | 2 | 3;

  @ApiProperty({ description: 'Template with {target} and {actor} placeholders.' })
  text!: string;

  @ApiPropertyOptional({ description: 'Riddles and trivia.' })
  answer?: string;

  @ApiPropertyOptional({ type: [String], description: 'Would-you-rather: the two options.' })
  options?: [string, string];

  @ApiPropertyOptional({ type: [String], description: 'Trivia: the choices, one of which is the answer.' })
  choices?: string[];
}

/** One page of `GET /api/fun/catalog`. */
export class FunCatalogPageDto {
  @ApiProperty({ type: [FunVariantDto] })
  items!: FunVariantDto[];

  @ApiProperty()
  page!: number;

  @ApiProperty()
  pageSize!: number;

  @ApiProperty({ description: 'Matching variants over all pages.' })
  total!: number;

  @ApiProperty({
    description: 'Variants per category in the whole catalog.',
    example: { compliment: 28, roast: 27, riddle: 26, 'would-you-rather': 26, trivia: 26 },
  })
  categories!: Record<FunCategory, number>;
}

/**
 * A variant with its placeholders filled (`POST /api/fun/render`, `GET /api/fun/pack`): `text`
 * has target and actor in place, escaped for the requested format.
 */
export class RenderedFunDto extends FunVariantDto {}

/** `GET /api/fun/pack`. */
export class FunPackDto {
  @ApiProperty({ type: [RenderedFunDto] })
  items!: RenderedFunDto[];
}

/** RFC 9457 problem details (`application/problem+json`). */
export class FunProblemDto {
  @ApiProperty({ example: 'https://chopsticks.dev/problems/rate-limited' })
  type!: string;
  @ApiProperty({ example: 'Rate limited' })
  title!: string;
  @ApiProperty({ example: 429 })
  status!: number;
  @ApiProperty()
  detail!: string;
  @ApiProperty({ example: 'rate-limited' })
  code!: string;
  @ApiProperty({ example: '/api/fun/random' })
  instance!: string;
  @ApiProperty()
  requestId!: string;
  @ApiPropertyOptional({ description: 'Per-field validation messages.' })
  errors?: { field: string; messages: string[] }[];
}
