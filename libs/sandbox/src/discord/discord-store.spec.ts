import { ALL_PERMISSIONS, ChannelType, Permission } from './discord-sandbox.constants';
import { DiscordStore } from './discord-store';

describe(DiscordStore.name, () => {
  let sut: DiscordStore;

  const user = (username: string) => {
    const id = sut.snowflakes.next();
    sut.users.set(id, { id, username, globalName: null, bot: false, locale: 'en-US', email: null });
    return id;
  };

  beforeEach(() => {
    sut = new DiscordStore();
  });

  it('gives the owner every permission and others @everyone OR their roles', () => {
    const owner = user('owner');
    const member = user('member');
    const guild = sut.createGuild('G', owner);
    guild.roles.get(guild.id)!.permissions = Permission.ViewChannel;
    guild.roles.set('1', {
      id: '1',
      name: 'DJ',
      permissions: Permission.Connect,
      position: 1,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      botId: null,
    });
    guild.members.set(member, {
      userId: member,
      roles: ['1'],
      nick: null,
      joinedAt: new Date().toISOString(),
    });

    expect(sut.permissionsOf(guild, owner)).toBe(ALL_PERMISSIONS);
    expect(sut.permissionsOf(guild, member)).toBe(Permission.ViewChannel | Permission.Connect);
  });

  it('expands ADMINISTRATOR to every permission and gives non-members none', () => {
    const owner = user('owner');
    const admin = user('admin');
    const guild = sut.createGuild('G', owner);
    guild.roles.set('2', {
      id: '2',
      name: 'Admin',
      permissions: Permission.Administrator,
      position: 1,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      botId: null,
    });
    guild.members.set(admin, { userId: admin, roles: ['2'], nick: null, joinedAt: new Date().toISOString() });

    expect(sut.permissionsOf(guild, admin)).toBe(ALL_PERMISSIONS);
    expect(sut.permissionsOf(guild, user('stranger'))).toBe(0n);
  });

  it('reuses one DM channel per pair of users and lists the other recipient only', () => {
    const a = user('a');
    const b = user('b');

    const channel = sut.dmChannel(a, b);

    expect(sut.dmChannel(b, a).id).toBe(channel.id);
    expect(sut.channelJson(channel, a)).toMatchObject({
      type: ChannelType.DM,
      recipients: [{ id: b, username: 'b' }],
    });
  });

  it('serialises permissions of roles as strings, as the API does', () => {
    const guild = sut.createGuild('G', user('owner'));

    expect(sut.roleJson(guild.roles.get(guild.id)!)).toMatchObject({
      name: '@everyone',
      permissions: expect.stringMatching(/^\d+$/),
    });
  });
});
