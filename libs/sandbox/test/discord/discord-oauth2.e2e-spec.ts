import { DiscordSandbox } from '../../src/discord';
import { createWorld, loginReady, sandboxClient, waitForEvent, type SandboxWorld } from './discord-fixtures';
import { Events, type Guild } from 'discord.js';

const REDIRECT = 'http://127.0.0.1:9/auth/callback';

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;

  beforeEach(async () => {
    world = await createWorld();
  });

  afterEach(async () => {
    await world.sandbox.stop();
  });

  const authorize = (params: Record<string, string>) =>
    fetch(`${world.sandbox.urls.oauth2}?${new URLSearchParams(params).toString()}`, { redirect: 'manual' });

  const token = (app: { clientId: string; clientSecret: string }, form: Record<string, string>) =>
    fetch(`${world.sandbox.urls.api}/v10/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(form).toString(),
    });

  it('runs the authorization code flow: authorize → code+state → token → /users/@me and /users/@me/guilds', async () => {
    const dashboard = world.sandbox.control.createApplication({
      name: 'Dashboard',
      redirectUris: [REDIRECT],
    });
    world.sandbox.control.setOAuthUser(world.userId);

    const consent = await authorize({
      client_id: dashboard.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'identify guilds',
      state: 'xyz',
    });
    const location = new URL(consent.headers.get('location') ?? '');
    const exchange = await token(dashboard, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
    });
    const grant = (await exchange.json()) as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      scope: string;
      expires_in: number;
    };
    const bearer = { authorization: `Bearer ${grant.access_token}` };
    const me = await fetch(`${world.sandbox.urls.api}/v10/users/@me`, { headers: bearer });
    const guilds = await fetch(`${world.sandbox.urls.api}/v10/users/@me/guilds`, { headers: bearer });
    const authorization = await fetch(`${world.sandbox.urls.api}/v10/oauth2/@me`, { headers: bearer });

    expect(consent.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(grant).toMatchObject({
      token_type: 'Bearer',
      scope: 'identify guilds',
      expires_in: 604800,
      refresh_token: expect.any(String),
    });
    await expect(me.json()).resolves.toMatchObject({ id: world.userId, username: 'alice' });
    await expect(authorization.json()).resolves.toMatchObject({
      application: { id: dashboard.applicationId },
      scopes: ['identify', 'guilds'],
      user: { id: world.userId },
    });
    await expect(guilds.json()).resolves.toEqual([
      expect.objectContaining({
        id: world.guild.guildId,
        name: 'Test Guild',
        owner: true,
        permissions: expect.stringMatching(/^\d+$/),
      }),
    ]);
  });

  it('refuses a code reused or exchanged with another redirect_uri, and a bad client secret', async () => {
    const dashboard = world.sandbox.control.createApplication({
      name: 'Dashboard',
      redirectUris: [REDIRECT],
    });
    const consent = await authorize({
      client_id: dashboard.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'identify',
      sandbox_user: world.userId,
    });
    const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';

    const badSecret = await token(
      { ...dashboard, clientSecret: 'wrong' },
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
    );
    const badRedirect = await token(dashboard, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:9/other',
    });
    const good = await token(dashboard, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    const reused = await token(dashboard, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    const { refresh_token } = (await good.json()) as { refresh_token: string };
    const refreshed = await token(dashboard, { grant_type: 'refresh_token', refresh_token });

    expect(badSecret.status).toBe(401);
    await expect(badSecret.json()).resolves.toEqual({ error: 'invalid_client' });
    expect(badRedirect.status).toBe(400);
    await expect(badRedirect.json()).resolves.toMatchObject({ error: 'invalid_grant' });
    expect(good.status).toBe(200);
    expect(reused.status).toBe(400);
    expect(refreshed.status).toBe(200);
  });

  it('adds the bot to a guild through the scope=bot invite and dispatches GUILD_CREATE', async () => {
    const sut = sandboxClient(world.sandbox);
    try {
      await loginReady(sut, world.app.token);
      const other = world.sandbox.control.createGuild({ name: 'Invite Target', ownerId: world.userId });
      const created = waitForEvent(sut, Events.GuildCreate);

      const res = await authorize({
        client_id: world.app.clientId,
        scope: 'bot applications.commands',
        guild_id: other.guildId,
        permissions: '3145728',
        sandbox_user: world.userId,
      });
      const [guild] = (await created) as [Guild];

      expect(res.status).toBe(200);
      expect(guild.id).toBe(other.guildId);
      expect(guild.members.me?.permissions.has('Connect')).toBe(true);
    } finally {
      await sut.destroy();
    }
  });

  it('refuses a redirect_uri the application did not register', async () => {
    const res = await authorize({
      client_id: world.app.clientId,
      redirect_uri: 'http://127.0.0.1:9/evil',
      response_type: 'code',
      scope: 'identify',
      sandbox_user: world.userId,
    });

    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
