export { GuildPoolRouting, guildRoutingOf, type GuildRouting } from './guild-pool-routing.service';
export { RoutingModule, type RoutingModuleOptions } from './routing.module';
export {
  DEFAULT_ROUTING_CACHE_TTL_MS,
  GUILD_POOL_ROUTING_OPTIONS,
  type GuildPoolRoutingOptions,
} from './routing.constants';
