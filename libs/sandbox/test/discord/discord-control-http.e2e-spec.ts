import { Events, type Client } from 'discord.js';
import {
  DiscordSandbox,
  type ApplicationCreated,
  type GuildCreated,
  type InteractionResult,
} from '../../src/discord';
import { loginReady, sandboxClient, waitForEvent } from './discord-fixtures';

describe(DiscordSandbox.name, () => {
  let sandbox: DiscordSandbox;
  let sut: Client;

  beforeAll(async () => {
    sandbox = await DiscordSandbox.start({ heartbeatIntervalMs: 1000 });
  });

  afterAll(async () => {
    await sut?.destroy();
    await sandbox.stop();
  });

  const control = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${sandbox.urls.control}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  it('drives a whole scenario over the HTTP control API', async () => {
    const { body: app } = await control<ApplicationCreated>('POST', '/applications', { name: 'Http Bot' });
    const { body: user } = await control<{ userId: string }>('POST', '/users', { username: 'carol' });
    const { body: guild } = await control<GuildCreated>('POST', '/guilds', {
      name: 'Http Guild',
      ownerId: user.userId,
      voiceChannels: ['Stage'],
    });
    const invited = await control('PUT', `/guilds/${guild.guildId}/bots/${app.applicationId}`, {
      permissions: '3148800',
    });
    sut = sandboxClient(sandbox);
    sut.on(Events.InteractionCreate, (i) => {
      if (i.isChatInputCommand()) void i.reply(`hello ${i.user.username}`);
    });
    await loginReady(sut, app.token);
    await sut.application!.commands.set([{ name: 'hello', description: 'Greets' }]);

    const invoked = await control<InteractionResult>('POST', '/interactions/commands', {
      applicationId: app.applicationId,
      userId: user.userId,
      channelId: guild.channels.general,
      name: 'hello',
    });
    const voiceUpdate = waitForEvent(sut, Events.VoiceStateUpdate);
    const moved = await control('PUT', `/guilds/${guild.guildId}/voice-states/${user.userId}`, {
      channelId: guild.channels.Stage,
    });
    await voiceUpdate;
    const state = await control<{ channelId: string }>(
      'GET',
      `/guilds/${guild.guildId}/voice-states/${user.userId}`,
    );
    const messages = await control<{ content: string }[]>(
      'GET',
      `/channels/${guild.channels.general}/messages`,
    );

    expect(invited.status).toBe(204);
    expect(invoked.body).toMatchObject({ acknowledged: 'reply', original: { content: 'hello carol' } });
    expect(moved.status).toBe(200);
    expect(state.body.channelId).toBe(guild.channels.Stage);
    expect(messages.body.map((m) => m.content)).toEqual(['hello carol']);

    const resumed = waitForEvent(sut, Events.ShardResume);
    const told = await control<{ told: number }>('POST', '/faults/reconnect', { botUserId: app.botUserId });
    await resumed;
    expect(told.body.told).toBe(1);

    const resumedAgain = waitForEvent(sut, Events.ShardResume);
    await control('POST', '/faults/invalid-session', { botUserId: app.botUserId, resumable: true });
    await resumedAgain;
    expect(sut.guilds.cache.has(guild.guildId)).toBe(true);
  });

  it('answers invalid control input with 400 and unknown ids with 404', async () => {
    const invalid = await control<{ error: string; message: string }>('POST', '/guilds', { name: 'x' });
    const missing = await control<{ error: string }>('GET', '/channels/123456789012345678/messages');

    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: 'invalid_input',
      message: expect.stringContaining('ownerId'),
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
  });
});
