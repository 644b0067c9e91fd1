import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessDeniedCode, AccessDeniedException } from './access-denied.exception';
import {
  DISCORD_PERMISSION_ADMINISTRATOR,
  DISCORD_PERMISSION_MANAGE_GUILD,
  isPoolRole,
  PoolRole,
  poolRoleAtLeast,
} from './access-policy.constants';
import { ACCESS_POLICY_OPTIONS, AccessPolicyOptions } from './access-policy.module-definition';

/**
 * Who asks, as the policy sees it. `userId` is a Discord user id. `guildId` and
 * `guildPermissions` come from the interaction (or the dashboard's OAuth2 guild list):
 * `guildPermissions` is the member's permission bitfield as a bigint or a decimal string
 * (Discord sends strings).
 */
export interface AccessActor {
  userId: string;
  guildId?: string;
  guildPermissions?: bigint | string;
}

/**
 * The single permission rule of Chopsticks (SPEC §6), used by slash commands, the admin API
 * and the dashboard:
 * - bot owners (`BOT_OWNER_IDS`) pass every check;
 * - guild admin = Manage Server (0x20) or Administrator (0x8) in the actor's guild;
 * - pool roles owner > manager > contributor > viewer, read from `pool_members`.
 * `assert*` methods throw {@link AccessDeniedException} with a user-facing sentence.
 */
@Injectable()
export class AccessPolicy {
  private readonly botOwnerIds: ReadonlySet<string>;

  constructor(
    @Inject(ACCESS_POLICY_OPTIONS) options: AccessPolicyOptions,
    private readonly dataSource: DataSource,
  ) {
    this.botOwnerIds = new Set(options.botOwnerIds);
  }

  /** True when `userId` is listed in `BOT_OWNER_IDS`. */
  isBotOwner(userId: string): boolean {
    return this.botOwnerIds.has(userId);
  }

  /**
   * True when the actor may administer their guild: a bot owner, or a member whose permissions
   * include Manage Server or Administrator. False without a guild. A malformed bitfield counts as
   * no permissions.
   */
  isGuildAdmin(actor: AccessActor): boolean {
    if (this.isBotOwner(actor.userId)) return true;
    if (actor.guildId === undefined) return false;
    const bits = parsePermissions(actor.guildPermissions);
    return (bits & (DISCORD_PERMISSION_MANAGE_GUILD | DISCORD_PERMISSION_ADMINISTRATOR)) !== 0n;
  }

  /**
   * The user's role in the pool (`pool_members.role`), or null when they are not a member or the
   * pool does not exist. Pass `manager` to read inside a caller's transaction.
   */
  async poolRole(
    poolId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PoolRole | null> {
    const rows: Array<{ role: unknown }> = await manager.query(
      'SELECT role FROM pool_members WHERE pool_id = $1 AND user_id = $2',
      [poolId, userId],
    );
    const role = rows[0]?.role;
    return isPoolRole(role) ? role : null;
  }

  /**
   * Ensures the actor holds `minimum` or a higher role in the pool. Bot owners pass as `owner`.
   * @returns the actor's effective role.
   * @throws AccessDeniedException POOL_ROLE_REQUIRED
   */
  async assertPoolRole(
    actor: AccessActor,
    poolId: string,
    minimum: PoolRole,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PoolRole> {
    if (this.isBotOwner(actor.userId)) return 'owner';
    const role = await this.poolRole(poolId, actor.userId, manager);
    if (role !== null && poolRoleAtLeast(role, minimum)) return role;
    const needed = minimum === 'owner' ? 'the owner role' : `the ${minimum} role or higher`;
    throw new AccessDeniedException(
      AccessDeniedCode.PoolRoleRequired,
      `You need ${needed} in pool ${poolId} to do this.`,
    );
  }

  /**
   * Ensures the actor may administer their guild (see {@link isGuildAdmin}).
   * @throws AccessDeniedException GUILD_ONLY (no guild and not a bot owner), NOT_GUILD_ADMIN
   */
  assertGuildAdmin(actor: AccessActor): void {
    if (this.isGuildAdmin(actor)) return;
    if (actor.guildId === undefined) {
      throw new AccessDeniedException(AccessDeniedCode.GuildOnly, 'This works only inside a server.');
    }
    throw new AccessDeniedException(
      AccessDeniedCode.NotGuildAdmin,
      'You need the Manage Server permission in this server to do this.',
    );
  }

  /** Ensures the actor is a bot owner. @throws AccessDeniedException NOT_BOT_OWNER */
  assertBotOwner(actor: AccessActor): void {
    if (this.isBotOwner(actor.userId)) return;
    throw new AccessDeniedException(AccessDeniedCode.NotBotOwner, 'Only the bot owners can do this.');
  }
}

/** Permission bitfield as a bigint; anything that is not a non-negative integer is 0. */
function parsePermissions(value: bigint | string | undefined): bigint {
  if (typeof value === 'bigint') return value >= 0n ? value : 0n;
  if (typeof value === 'string' && /^\d{1,40}$/.test(value)) return BigInt(value);
  return 0n;
}
