import { Body, Get, Param, Patch } from '@nestjs/common';
import { type ApiKeyBinding, ApiKeyScope } from '@app/access';
import {
  type Actor,
  GuildSettingsService,
  PoolsException,
  PoolsExceptionCode,
  PoolsService,
} from '@app/pools';
import { AdminActor } from '../admin-api.request';
import { AdminBinding, AdminKeyBinding, assertPoolUsable } from '../key-binding';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import { SNOWFLAKE } from '../dto/common.dto';
import { GuildSettingsResponseDto, GuildSettingsUpdateDto } from '../dto/guild-settings.dto';

/** Per-guild settings: selected pool, idle policy, notice channel (`/api/v1/guilds/{guildId}/settings`). */
@AdminApiController('guilds', 'guild settings')
export class GuildSettingsAdminController {
  constructor(
    private readonly settings: GuildSettingsService,
    private readonly pools: PoolsService,
  ) {}

  /** A guild's settings (defaults when never set). */
  @Get(':guildId/settings')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'param', name: 'guildId' }] })
  async get(@Param('guildId') guildId: string): Promise<GuildSettingsResponseDto> {
    assertGuildId(guildId);
    return this.settings.get(guildId);
  }

  /**
   * Changes a guild's settings; omitted fields keep their value, null resets to the default. A
   * guild-bound key selects public pools and its bound pool only.
   */
  @Patch(':guildId/settings')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ guild: [{ in: 'param', name: 'guildId' }] })
  @ApiProblem(
    404,
    'The selected pool does not exist, or is private and the key is bound to the guild only (pool-not-found).',
  )
  async update(
    @Param('guildId') guildId: string,
    @Body() body: GuildSettingsUpdateDto,
    @AdminActor() actor: Actor,
    @AdminKeyBinding() binding: ApiKeyBinding,
  ): Promise<GuildSettingsResponseDto> {
    assertGuildId(guildId);
    if (typeof body.selectedPoolId === 'string')
      await assertPoolUsable(this.pools, binding, body.selectedPoolId, actor.id);
    return this.settings.upsert(
      guildId,
      {
        selectedPoolId: body.selectedPoolId,
        idleReleaseSeconds: body.idleReleaseSeconds,
        notifyChannelId: body.notifyChannelId,
      },
      actor,
    );
  }
}

function assertGuildId(guildId: string): void {
  if (!SNOWFLAKE.test(guildId))
    throw new PoolsException(
      PoolsExceptionCode.InvalidInput,
      'The guild id must be a Discord id (17–20 digits).',
    );
}
