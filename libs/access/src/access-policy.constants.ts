/**
 * A user's role in a pool, highest first. The values are the `pool_members.role` strings (the
 * pools context's `PoolMemberRole` enum holds the same values).
 */
export type PoolRole = 'owner' | 'manager' | 'contributor' | 'viewer';

/** Pool roles from highest to lowest: owner > manager > contributor > viewer. */
export const POOL_ROLES: readonly PoolRole[] = ['owner', 'manager', 'contributor', 'viewer'];

const POOL_ROLE_RANK: Readonly<Record<PoolRole, number>> = {
  owner: 4,
  manager: 3,
  contributor: 2,
  viewer: 1,
};

/** True when `role` is `minimum` or higher (owner > manager > contributor > viewer). */
export function poolRoleAtLeast(role: PoolRole | null, minimum: PoolRole): boolean {
  return role !== null && POOL_ROLE_RANK[role] >= POOL_ROLE_RANK[minimum];
}

/** True for one of the four pool role strings. */
export function isPoolRole(value: unknown): value is PoolRole {
  return typeof value === 'string' && (POOL_ROLES as readonly string[]).includes(value);
}

/**
 * Discord permission bits used by the policy (Discord developer docs, "Permissions" →
 * "Bitwise Permission Flags"): `MANAGE_GUILD` = 1 << 5 (0x20), `ADMINISTRATOR` = 1 << 3 (0x8,
 * implies every permission).
 */
export const DISCORD_PERMISSION_MANAGE_GUILD = 0x20n;
export const DISCORD_PERMISSION_ADMINISTRATOR = 0x8n;
