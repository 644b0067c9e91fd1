import { Body, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiKeyScope, ApiKeysService } from '@app/access';
import { type Actor, PoolsService } from '@app/pools';
import { AdminActor } from '../admin-api.request';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import { ApiKeyCreateDto, ApiKeyCreatedDto, ApiKeyPageDto, ApiKeyResponseDto } from '../dto/api-key.dto';
import { PageQueryDto } from '../dto/common.dto';
import { paginate } from '../pagination';
import { toApiKeyDto } from '../view-mappers';

/** Scoped API keys of this API: create (key shown once), list (masked), revoke (`/api/v1/api-keys`). */
@AdminApiController('api-keys', 'api keys')
export class ApiKeysAdminController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly pools: PoolsService,
  ) {}

  /** API keys, masked, by id (admin scope: names, scopes and bindings are not for read keys). */
  @Get()
  @AdminRoute(ApiKeyScope.Admin)
  async list(@Query() query: PageQueryDto): Promise<ApiKeyPageDto> {
    const page = paginate('api-keys', await this.apiKeys.list(), (key) => key.id, query);
    return { items: page.items.map(toApiKeyDto), nextCursor: page.nextCursor };
  }

  /**
   * Creates an API key, optionally bound to a guild and/or an existing pool; the key is in this
   * response only. Keys that are themselves bound cannot reach this route.
   */
  @Post()
  @AdminRoute(ApiKeyScope.Admin)
  @ApiProblem(404, 'The pool to bind to does not exist (pool-not-found).')
  async create(@Body() body: ApiKeyCreateDto, @AdminActor() actor: Actor): Promise<ApiKeyCreatedDto> {
    if (body.poolId !== undefined) await this.pools.get(body.poolId);
    const { key, secret } = await this.apiKeys.create({
      name: body.name,
      scopes: body.scopes,
      expiresInDays: body.expiresInDays,
      guildId: body.guildId,
      poolId: body.poolId,
      createdBy: actor.id,
      requestId: actor.requestId,
    });
    return { key: secret, apiKey: toApiKeyDto(key) };
  }

  /** Revokes an API key (idempotent). */
  @Delete(':apiKeyId')
  @AdminRoute(ApiKeyScope.Admin)
  @ApiProblem(404, 'No such key (api-key-not-found).')
  async revoke(
    @Param('apiKeyId', new ParseUUIDPipe()) apiKeyId: string,
    @AdminActor() actor: Actor,
  ): Promise<ApiKeyResponseDto> {
    return toApiKeyDto(await this.apiKeys.revoke(apiKeyId, actor.id, new Date(), actor.requestId));
  }
}
