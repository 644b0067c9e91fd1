import { RESTEvents, type RateLimitData } from 'discord.js';
import { DiscordSandbox } from '../../src/discord';
import { createWorld, loginReady, sandboxClient, type SandboxWorld } from './discord-fixtures';

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;

  beforeEach(async () => {
    world = await createWorld({
      rateLimits: { routes: { 'POST /channels/:channel_id/messages': { limit: 2, windowMs: 1000 } } },
    });
  });

  afterEach(async () => {
    await world.sandbox.stop();
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${world.sandbox.urls.api}/v10${path}`, init);
  const bot = () => ({ authorization: `Bot ${world.app.token}`, 'content-type': 'application/json' });

  it('answers 401 without a valid bot token and 404 on unknown routes, in Discord error shape', async () => {
    const unauthorized = await api('/users/@me', { headers: { authorization: 'Bot nope' } });
    const unknown = await api('/nothing/here', { headers: bot() });

    expect(unauthorized.status).toBe(401);
    await expect(unauthorized.json()).resolves.toEqual({ message: '401: Unauthorized', code: 0 });
    expect(unknown.status).toBe(404);
    await expect(unknown.json()).resolves.toEqual({ message: '404: Not Found', code: 0 });
  });

  it('serves /gateway/bot with a session start limit and rate-limit headers', async () => {
    const res = await api('/gateway/bot', { headers: bot() });

    expect(res.headers.get('x-ratelimit-limit')).toBe('50');
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]+$/);
    await expect(res.json()).resolves.toMatchObject({
      url: world.sandbox.urls.gateway,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 1000, max_concurrency: 1 },
    });
  });

  it('answers 429 with retry_after and Retry-After when a route bucket is exceeded', async () => {
    const send = () =>
      api(`/channels/${world.guild.channels.general}/messages`, {
        method: 'POST',
        headers: bot(),
        body: JSON.stringify({ content: 'hi' }),
      });
    const [first, second, third] = [await send(), await send(), await send()];

    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(third.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expect(third.json()).resolves.toMatchObject({
      message: 'You are being rate limited.',
      global: false,
      retry_after: expect.any(Number),
    });
  });

  it('makes discord.js wait out a route bucket (rateLimited event) and then succeed', async () => {
    const sut = sandboxClient(world.sandbox);
    try {
      await loginReady(sut, world.app.token);
      const limited: RateLimitData[] = [];
      sut.rest.on(RESTEvents.RateLimited, (data) => limited.push(data));
      const channel = sut.channels.cache.get(world.guild.channels.general);
      if (!channel?.isSendable()) throw new Error('general is not sendable');

      const sent = await Promise.all([channel.send('one'), channel.send('two'), channel.send('three')]);

      expect(sent.map((m) => m.content)).toEqual(['one', 'two', 'three']);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited[0]).toMatchObject({ route: '/channels/:id/messages', global: false });
    } finally {
      await sut.destroy();
    }
  });

  it('makes discord.js retry a forced 429 after Retry-After and succeed', async () => {
    const sut = sandboxClient(world.sandbox);
    try {
      await loginReady(sut, world.app.token);
      world.sandbox.control.forceRateLimit({
        method: 'POST',
        route: '/channels/:channel_id/messages',
        count: 1,
        retryAfterMs: 500,
      });
      const channel = sut.channels.cache.get(world.guild.channels.general);
      if (!channel?.isSendable()) throw new Error('general is not sendable');
      const statuses: number[] = [];
      sut.rest.on(RESTEvents.Response, (request, response) => {
        if (request.route === '/channels/:id/messages') statuses.push(response.status);
      });

      const message = await channel.send('after the wait');

      expect(message.content).toBe('after the wait');
      expect(statuses).toEqual([429, 200]);
      expect(world.sandbox.control.listMessages(world.guild.channels.general).map((m) => m.content)).toEqual([
        'after the wait',
      ]);
    } finally {
      await sut.destroy();
    }
  });

  it('opens a DM channel and posts to it, and lets a bot leave a guild', async () => {
    const dm = await api('/users/@me/channels', {
      method: 'POST',
      headers: bot(),
      body: JSON.stringify({ recipient_id: world.userId }),
    });
    const dmChannel = (await dm.json()) as { id: string; type: number };
    const posted = await api(`/channels/${dmChannel.id}/messages`, {
      method: 'POST',
      headers: bot(),
      body: JSON.stringify({ content: 'hello alice' }),
    });
    const left = await api(`/users/@me/guilds/${world.guild.guildId}`, { method: 'DELETE', headers: bot() });
    const afterLeave = await api(`/users/@me/channels`, {
      method: 'POST',
      headers: bot(),
      body: JSON.stringify({ recipient_id: world.userId }),
    });
    const blocked = await api(`/channels/${dmChannel.id}/messages`, {
      method: 'POST',
      headers: bot(),
      body: JSON.stringify({ content: 'still there?' }),
    });

    expect(dmChannel.type).toBe(1);
    expect(posted.status).toBe(200);
    expect(
      world.sandbox.control.listDirectMessages(world.userId, world.app.botUserId).map((m) => m.content),
    ).toEqual(['hello alice']);
    expect(left.status).toBe(204);
    expect(afterLeave.status).toBe(200);
    expect(blocked.status).toBe(403);
    await expect(blocked.json()).resolves.toMatchObject({ code: 50007 });
  });

  it('serves guild, channels and members to the bot', async () => {
    const guild = (await (await api(`/guilds/${world.guild.guildId}`, { headers: bot() })).json()) as {
      owner_id: string;
      roles: { id: string }[];
    };
    const channels = (await (
      await api(`/guilds/${world.guild.guildId}/channels`, { headers: bot() })
    ).json()) as { name: string }[];
    const member = (await (
      await api(`/guilds/${world.guild.guildId}/members/${world.userId}`, { headers: bot() })
    ).json()) as { user: { username: string } };
    const members = (await (
      await api(`/guilds/${world.guild.guildId}/members?limit=10`, { headers: bot() })
    ).json()) as unknown[];

    expect(guild.owner_id).toBe(world.userId);
    expect(guild.roles.map((r) => r.id)).toContain(world.guild.guildId);
    expect(channels.map((c) => c.name)).toEqual(['general', 'Lounge', 'Music']);
    expect(member.user.username).toBe('alice');
    expect(members).toHaveLength(2);
  });
});
