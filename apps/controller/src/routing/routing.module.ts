import { type DynamicModule, Module } from '@nestjs/common';
import { GuildPoolRouting } from './guild-pool-routing.service';
import { GUILD_POOL_ROUTING_OPTIONS, type GuildPoolRoutingOptions } from './routing.constants';

/** Options of {@link RoutingModule.forRoot}. */
export interface RoutingModuleOptions extends GuildPoolRoutingOptions {
  /** The app's configured `PoolsModule` instance (provides `GuildSettingsService`, `PoolsService`). */
  pools: DynamicModule;
}

/**
 * Pool-first routing of allocations (SPEC §5): {@link GuildPoolRouting}, one cache per app.
 * Create it once in the composition root and hand the same dynamic module to every feature that
 * allocates (music, assistant, failover).
 */
@Module({})
export class RoutingModule {
  static forRoot(options: RoutingModuleOptions): DynamicModule {
    const { pools, ...tuning } = options;
    return {
      module: RoutingModule,
      imports: [pools],
      providers: [{ provide: GUILD_POOL_ROUTING_OPTIONS, useValue: tuning }, GuildPoolRouting],
      exports: [GuildPoolRouting],
    };
  }
}
