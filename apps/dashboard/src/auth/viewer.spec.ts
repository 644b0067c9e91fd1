import { AccessPolicy } from '@app/access';
import { DataSource } from 'typeorm';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import { Viewer } from './viewer';

const OWNER = '300000000000000001';
const ADMIN = '300000000000000002';
const G = '100000000000000001';
const H = '100000000000000002';
const MANAGE_GUILD = (1n << 5n).toString();
const ADMINISTRATOR = (1n << 3n).toString();

describe(Viewer.name, () => {
  const policy = new AccessPolicy({ botOwnerIds: [OWNER] }, new DataSource({ type: 'postgres' }));
  const login = (userId: string, guilds: { id: string; permissions: string }[]) => ({
    user: { id: userId, username: 'user', globalName: null },
    guilds: guilds.map((guild) => ({ ...guild, name: `Guild ${guild.id}` })),
    loggedInAt: 0,
  });

  it('H5: a guild admin sees only guilds where they have Manage Server or Administrator', () => {
    const sut = new Viewer(
      login(ADMIN, [
        { id: G, permissions: MANAGE_GUILD },
        { id: H, permissions: '0' },
        { id: '100000000000000003', permissions: ADMINISTRATOR },
      ]),
      policy,
    );
    expect(sut.isOwner).toBe(false);
    expect(sut.manageableGuilds.map((guild) => guild.id)).toEqual([G, '100000000000000003']);
    expect(sut.canSeeGuild(G)).toBe(true);
    expect(sut.canSeeGuild(H)).toBe(false);
    expect(() => sut.assertGuild(H)).toThrow(
      expect.objectContaining({ code: DashboardExceptionCode.Forbidden }) as DashboardException,
    );
    expect(() => sut.assertOwner()).toThrow(DashboardException);
  });

  it('a bot owner sees every guild, also ones missing from their own list', () => {
    const sut = new Viewer(login(OWNER, [{ id: H, permissions: '0' }]), policy);
    expect(sut.isOwner).toBe(true);
    expect(sut.canSeeGuild(G)).toBe(true);
    expect(() => sut.assertGuild(G)).not.toThrow();
    expect(sut.guildName(H)).toBe(`Guild ${H}`);
    expect(sut.guildName(G)).toBe(G);
  });

  it('treats a malformed permission bitfield as no permissions', () => {
    const sut = new Viewer(login(ADMIN, [{ id: G, permissions: 'lots' }]), policy);
    expect(sut.canSeeGuild(G)).toBe(false);
  });
});
