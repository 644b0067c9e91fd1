import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { GuildSettingsService, PoolsService, PoolVisibility } from '@app/pools';
import {
  DEFAULT_ROUTING_CACHE_MAX_GUILDS,
  DEFAULT_ROUTING_CACHE_TTL_MS,
  GUILD_POOL_ROUTING_OPTIONS,
  type GuildPoolRoutingOptions,
} from './routing.constants';

/**
 * Which pools a guild's allocations may draw from, in the shape `Allocator.allocate` takes
 * (`preferredPoolId`, `accessiblePoolIds`).
 */
export interface GuildRouting {
  /** The guild's selected pool (`guild_settings.selected_pool_id`): its agents are chosen first. */
  preferredPoolId: string | null;
  /** Every public pool plus the selected pool. Agents of any other pool are never chosen. */
  accessiblePoolIds: ReadonlySet<string>;
}

/**
 * The pool rule of allocation (SPEC §5, `libs/sessions/README.md`): a guild may use every public
 * pool and the pool it selected (whatever that pool's visibility); the selected pool is preferred.
 * @param selectedPoolId the guild's selected pool, or null
 * @param publicPoolIds ids of the pools whose visibility is `public`
 */
export function guildRoutingOf(
  selectedPoolId: string | null,
  publicPoolIds: ReadonlySet<string>,
): GuildRouting {
  if (selectedPoolId === null || publicPoolIds.has(selectedPoolId)) {
    return { preferredPoolId: selectedPoolId, accessiblePoolIds: publicPoolIds };
  }
  const accessiblePoolIds = new Set(publicPoolIds);
  accessiblePoolIds.add(selectedPoolId);
  return { preferredPoolId: selectedPoolId, accessiblePoolIds };
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Per-guild routing for the allocator, from `GuildSettingsService` (selected pool) and
 * `PoolsService` (public pools), cached in memory for a short TTL (default 5 s) so the allocation
 * path costs a map lookup: read it before `Allocator.allocate`, never inside it. Concurrent misses
 * for one guild share one load. When Postgres fails and an expired entry exists, the expired entry
 * is served (logged) rather than failing the command.
 */
@Injectable()
export class GuildPoolRouting {
  private readonly logger = new Logger(GuildPoolRouting.name);
  private readonly ttlMs: number;
  private readonly maxGuilds: number;
  private readonly clock: () => number;
  private readonly guilds = new Map<string, Cached<GuildRouting>>();
  private readonly loading = new Map<string, Promise<GuildRouting>>();
  private publicPools: Cached<ReadonlySet<string>> | null = null;
  private publicLoading: Promise<ReadonlySet<string>> | null = null;

  constructor(
    private readonly settings: GuildSettingsService,
    private readonly pools: PoolsService,
    @Optional() @Inject(GUILD_POOL_ROUTING_OPTIONS) options: GuildPoolRoutingOptions | null = null,
  ) {
    this.ttlMs = options?.ttlMs ?? DEFAULT_ROUTING_CACHE_TTL_MS;
    this.maxGuilds = options?.maxGuilds ?? DEFAULT_ROUTING_CACHE_MAX_GUILDS;
    this.clock = options?.clock ?? Date.now;
  }

  /**
   * The guild's routing: from memory while fresh, else loaded (two short queries at most).
   * @throws the Postgres error when loading fails and nothing was cached for the guild before
   */
  async forGuild(guildId: string): Promise<GuildRouting> {
    const cached = this.guilds.get(guildId);
    if (cached && cached.expiresAt > this.clock()) return cached.value;
    let load = this.loading.get(guildId);
    if (!load) {
      load = this.load(guildId, cached).finally(() => this.loading.delete(guildId));
      this.loading.set(guildId, load);
    }
    return load;
  }

  /** Forgets the cached routing of one guild (e.g. right after its pool selection changed), or of all. */
  invalidate(guildId?: string): void {
    if (guildId === undefined) {
      this.guilds.clear();
      this.publicPools = null;
      return;
    }
    this.guilds.delete(guildId);
  }

  private async load(guildId: string, stale: Cached<GuildRouting> | undefined): Promise<GuildRouting> {
    try {
      const [settings, publicPoolIds] = await Promise.all([this.settings.get(guildId), this.publicPoolIds()]);
      const value = guildRoutingOf(settings.selectedPoolId, publicPoolIds);
      this.remember(guildId, value);
      return value;
    } catch (error) {
      if (!stale) throw error;
      this.logger.warn(
        `pool routing of guild ${guildId} could not be refreshed, serving the last known one: ${error instanceof Error ? error.message : String(error)}`,
      );
      return stale.value;
    }
  }

  private async publicPoolIds(): Promise<ReadonlySet<string>> {
    if (this.publicPools && this.publicPools.expiresAt > this.clock()) return this.publicPools.value;
    this.publicLoading ??= this.pools
      .list()
      .then((pools) => {
        const value: ReadonlySet<string> = new Set(
          pools.filter((pool) => pool.visibility === PoolVisibility.Public).map((pool) => pool.id),
        );
        this.publicPools = { value, expiresAt: this.clock() + this.ttlMs };
        return value;
      })
      .finally(() => (this.publicLoading = null));
    return this.publicLoading;
  }

  private remember(guildId: string, value: GuildRouting): void {
    const now = this.clock();
    this.guilds.delete(guildId);
    if (this.guilds.size >= this.maxGuilds) {
      for (const [id, entry] of this.guilds) if (entry.expiresAt <= now) this.guilds.delete(id);
      // Still full of fresh entries: drop the oldest (Map iteration follows insertion order).
      for (const id of this.guilds.keys()) {
        if (this.guilds.size < this.maxGuilds) break;
        this.guilds.delete(id);
      }
    }
    this.guilds.set(guildId, { value, expiresAt: now + this.ttlMs });
  }
}
