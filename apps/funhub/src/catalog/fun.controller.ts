import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { API_KEY_SECURITY_SCHEME } from '../api-access/api-access.constants';
import { ApiKeyGuard } from '../api-access/api-key.guard';
import {
  FunCatalogPageDto,
  FunPackDto,
  FunProblemDto,
  FunVariantDto,
  RenderedFunDto,
} from './dto/fun-response.dto';
import { FunCatalogQueryDto, FunPackQueryDto, FunRandomQueryDto, FunRenderDto } from './dto/fun-request.dto';
import { FunCatalog, type FunSearchPage, type RenderedFun } from './fun-catalog';
import type { FunVariant } from './fun-variant.schema';
import { FunhubErrorCode, FunhubException } from './funhub.exception';

const rateLimitHeaders = {
  'RateLimit-Limit': { description: 'Requests per window for this key.', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in this window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
} as const;

/**
 * `/api/fun/*` (SPEC §7): the fun text catalog, random picks, rendering with target/actor and
 * mixed packs. Every route needs `X-Api-Key` and spends one request of the key's rate limit
 * ({@link ApiKeyGuard}); errors are RFC 9457 problem+json.
 */
@ApiTags('fun')
@ApiSecurity(API_KEY_SECURITY_SCHEME)
@ApiUnauthorizedResponse({ description: 'No X-Api-Key header, or an unknown key.', type: FunProblemDto })
@ApiBadRequestResponse({
  description: 'Invalid query or body, or a key in the query string.',
  type: FunProblemDto,
})
@ApiTooManyRequestsResponse({
  description: 'The key spent its requests for this window; see Retry-After (seconds).',
  type: FunProblemDto,
  headers: {
    ...rateLimitHeaders,
    'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } },
  },
})
@ApiServiceUnavailableResponse({
  description: 'Rate-limit store down in fail-closed mode.',
  type: FunProblemDto,
})
@ApiHeader({ name: 'X-Api-Key', required: true, description: 'FunHub API key (never in the query string).' })
@UseGuards(ApiKeyGuard)
@Controller('api/fun')
export class FunController {
  constructor(private readonly catalog: FunCatalog) {}

  /** Lists and searches the catalog (text, tag, category, intensity), one page at a time. */
  @Get('catalog')
  @ApiOperation({ summary: 'List and search fun text variants (paginated)' })
  @ApiOkResponse({ type: FunCatalogPageDto, headers: rateLimitHeaders })
  list(@Query() query: FunCatalogQueryDto): FunSearchPage & { categories: Record<string, number> } {
    return { ...this.catalog.search(query), categories: this.catalog.counts() };
  }

  /** A random template by category and intensity. */
  @Get('random')
  @ApiOperation({ summary: 'A random variant (template with placeholders) by category and intensity' })
  @ApiOkResponse({ type: FunVariantDto, headers: rateLimitHeaders })
  @ApiNotFoundResponse({ description: 'Nothing matches the filter.', type: FunProblemDto })
  random(@Query() query: FunRandomQueryDto): FunVariant {
    return this.catalog.random({ category: query.category, intensity: query.intensity });
  }

  /** Renders a variant (by id, or random by category/intensity) with target and actor names. */
  @Post('render')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a variant by id, or a random one, with target/actor names' })
  @ApiOkResponse({ type: RenderedFunDto, headers: rateLimitHeaders })
  @ApiNotFoundResponse({ description: 'Unknown id, or nothing matches the filter.', type: FunProblemDto })
  render(@Body() body: FunRenderDto): RenderedFun {
    // Optional fields may come as JSON null: null means "not given".
    if (body.id != null && (body.category != null || body.intensity != null)) {
      throw new FunhubException(
        FunhubErrorCode.InvalidRequest,
        'Give either id, or category and/or intensity — not both.',
        [{ field: 'id', messages: ['id cannot be combined with category or intensity'] }],
      );
    }
    const variant =
      body.id != null
        ? this.catalog.get(body.id)
        : this.catalog.random({ category: body.category, intensity: body.intensity });
    return this.catalog.render(variant, body);
  }

  /** N distinct random variants mixed across categories, rendered. */
  @Get('pack')
  @ApiOperation({ summary: 'A pack of N rendered variants mixed across categories' })
  @ApiOkResponse({ type: FunPackDto, headers: rateLimitHeaders })
  @ApiNotFoundResponse({ description: 'Nothing matches the filter.', type: FunProblemDto })
  pack(@Query() query: FunPackQueryDto): { items: RenderedFun[] } {
    const variants = this.catalog.pack({
      count: query.count,
      categories: query.categories,
      intensity: query.intensity,
    });
    return { items: variants.map((variant) => this.catalog.render(variant, query)) };
  }
}
