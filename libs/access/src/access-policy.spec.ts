import { DataSource } from 'typeorm';
import { AccessDeniedCode, AccessDeniedException } from './access-denied.exception';
import { AccessPolicy } from './access-policy';
import { poolRoleAtLeast } from './access-policy.constants';

const OWNER = '100000000000000001';
const USER = '100000000000000002';
const GUILD = '200000000000000001';

describe(AccessPolicy.name, () => {
  // Never initialized: the synchronous rules below do not touch the database.
  const sut = new AccessPolicy({ botOwnerIds: [OWNER] }, new DataSource({ type: 'postgres' }));

  it('knows bot owners from BOT_OWNER_IDS', () => {
    expect(sut.isBotOwner(OWNER)).toBe(true);
    expect(sut.isBotOwner(USER)).toBe(false);
  });

  it('counts Manage Server (0x20) and Administrator (0x8) as guild admin, as bigint or string', () => {
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: 0x20n })).toBe(true);
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: '32' })).toBe(true);
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: '8' })).toBe(true);
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: (1n << 40n).toString() })).toBe(
      false,
    );
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: 0x10n })).toBe(false);
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: 'lots' })).toBe(false);
    expect(sut.isGuildAdmin({ userId: USER, guildId: GUILD })).toBe(false);
  });

  it('needs a guild for guild admin, except for bot owners', () => {
    expect(sut.isGuildAdmin({ userId: USER, guildPermissions: 0x20n })).toBe(false);
    expect(sut.isGuildAdmin({ userId: OWNER })).toBe(true);
    expect(() =>
      sut.assertGuildAdmin({ userId: OWNER, guildId: GUILD, guildPermissions: '0' }),
    ).not.toThrow();
  });

  it('refuses non-admins with a stable code and a user-facing sentence', () => {
    const refusal = captureDenied(() =>
      sut.assertGuildAdmin({ userId: USER, guildId: GUILD, guildPermissions: '0' }),
    );
    expect(refusal.code).toBe(AccessDeniedCode.NotGuildAdmin);
    expect(refusal.message).toBe('You need the Manage Server permission in this server to do this.');
    expect(captureDenied(() => sut.assertGuildAdmin({ userId: USER })).code).toBe(AccessDeniedCode.GuildOnly);
  });

  it('C3: refuses a non-owner on bot-owner-only actions', () => {
    expect(() => sut.assertBotOwner({ userId: OWNER })).not.toThrow();
    const refusal = captureDenied(() =>
      sut.assertBotOwner({ userId: USER, guildId: GUILD, guildPermissions: '8' }),
    );
    expect(refusal.code).toBe(AccessDeniedCode.NotBotOwner);
    expect(refusal.message).toBe('Only the bot owners can do this.');
  });

  it('orders pool roles owner > manager > contributor > viewer', () => {
    expect(poolRoleAtLeast('owner', 'manager')).toBe(true);
    expect(poolRoleAtLeast('manager', 'manager')).toBe(true);
    expect(poolRoleAtLeast('contributor', 'manager')).toBe(false);
    expect(poolRoleAtLeast('viewer', 'contributor')).toBe(false);
    expect(poolRoleAtLeast('contributor', 'viewer')).toBe(true);
    expect(poolRoleAtLeast(null, 'viewer')).toBe(false);
  });
});

function captureDenied(work: () => void): AccessDeniedException {
  try {
    work();
  } catch (error) {
    if (error instanceof AccessDeniedException) return error;
    throw error;
  }
  throw new Error('expected an AccessDeniedException');
}
