/** DI token of {@link GuildPoolRoutingOptions}. */
export const GUILD_POOL_ROUTING_OPTIONS = Symbol('GUILD_POOL_ROUTING_OPTIONS');

/** How long a guild's routing (selected pool, public pools) is served from memory (ms). */
export const DEFAULT_ROUTING_CACHE_TTL_MS = 5_000;

/** Guild entries kept in memory before expired ones are dropped (bounds memory, not correctness). */
export const DEFAULT_ROUTING_CACHE_MAX_GUILDS = 10_000;

/** Tuning of `GuildPoolRouting`. */
export interface GuildPoolRoutingOptions {
  /** Cache lifetime in ms (default 5 s): a pool selection or visibility change applies within it. */
  ttlMs?: number;
  /** Guild entries kept before expired ones are evicted (default 10,000). */
  maxGuilds?: number;
  /** Epoch-ms clock (tests). */
  clock?: () => number;
}
