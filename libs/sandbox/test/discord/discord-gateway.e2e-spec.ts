import { Events, GatewayDispatchEvents, type Client } from 'discord.js';
import { DiscordSandbox } from '../../src/discord';
import { createWorld, loginReady, sandboxClient, waitForEvent, type SandboxWorld } from './discord-fixtures';

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;
  let sut: Client;

  beforeEach(async () => {
    world = await createWorld();
    sut = sandboxClient(world.sandbox);
  });

  afterEach(async () => {
    await sut.destroy();
    await world.sandbox.stop();
  });

  it('logs a discord.js client in: READY then GUILD_CREATE, clientReady with the guild', async () => {
    await loginReady(sut, world.app.token);

    const guild = sut.guilds.cache.get(world.guild.guildId);
    expect(sut.user?.id).toBe(world.app.botUserId);
    expect(guild?.name).toBe('Test Guild');
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual(['Lounge', 'Music', 'general']);
    expect(guild?.members.cache.has(world.userId)).toBe(true);
  });
});
