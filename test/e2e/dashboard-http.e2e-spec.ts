import { PoolVisibility } from '@app/pools';
import type { GuildCreated } from '@app/sandbox';
import { operator, snowflake } from '../utils/factories';
import {
  CookieJar,
  csrfTokenOf,
  type DashboardProcess,
  loginOverHttp,
  request,
  startDashboard,
} from './support/dashboard-app';
import { createStack, type Stack } from './support/stack';

/** Manage Server — Discord Topics › Permissions › Bitwise Permission Flags (1 << 5). */
const MANAGE_GUILD = String(1 << 5);

/**
 * The dashboard over real HTTP (child process) against the controller admin API, the sandbox
 * Discord OAuth2 and the machine's Redis: the login flow and its `state`, CSRF on mutations,
 * logout, sessions stored in Redis, and H5 at the HTTP level.
 */
describe('dashboard over HTTP (OAuth2, sessions, CSRF)', () => {
  let stack: Stack;
  let dashboard: DashboardProcess;
  let managed: GuildCreated;
  let other: GuildCreated;
  let gina: string;
  let olive: string;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    gina = stack.discord.control.createUser({ username: 'gina' }).userId;
    olive = stack.discord.control.createUser({ username: 'olive' }).userId;
    const { userId: owner } = stack.discord.control.createUser({ username: 'owner' });
    managed = stack.discord.control.createGuild({
      name: 'Gina Guild',
      ownerId: owner,
      textChannels: ['general'],
      voiceChannels: ['Music 1'],
      roles: [{ name: 'Managers', permissions: MANAGE_GUILD }],
      members: [stack.controllerBot.botUserId],
    });
    stack.discord.control.addMember(managed.guildId, gina, [managed.roles.Managers]);
    other = stack.createGuild({ name: 'Other Guild', agents: 'none' });
    stack.discord.control.addMember(other.guildId, gina, []);
    await stack.startController({
      ADMIN_API_RATE_LIMIT: '100000',
      DISCORD_OAUTH_URL: stack.discord.urls.oauth2,
    });
    dashboard = await startDashboard(stack, { botOwnerIds: [olive] });
  });

  afterAll(async () => {
    await dashboard?.close();
    await stack?.close();
  });

  it('logs in through Discord OAuth2 (scopes identify guilds, state in the authorize URL) and keeps the session in Redis without any Discord token', async () => {
    const jar = new CookieJar();
    const start = await request(jar, `${dashboard.url}/auth/discord`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location') ?? '');
    expect(authorize.origin + authorize.pathname).toBe(stack.discord.urls.oauth2);
    expect(authorize.searchParams.get('scope')).toBe('identify guilds');
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('client_id')).toBe(dashboard.oauthApp.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${dashboard.url}/auth/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = start.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/chopsticks_dashboard=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // the public URL is http: here

    const before = await dashboard.sessionKeys();
    const logged = await loginOverHttp(stack, dashboard, gina);
    const overview = await request(logged, `${dashboard.url}/`);
    expect(overview.status).toBe(200);
    const page = await overview.text();
    expect(page).toContain('gina');
    expect(page).toContain('<h1>Overview</h1>');

    const keys = await dashboard.sessionKeys();
    expect(keys.length).toBeGreaterThan(before.length);
    const stored = await Promise.all(keys.map((key) => dashboard.sessionValue(key)));
    const mine = stored.find((value) => value?.includes(gina));
    expect(mine).toBeDefined();
    const session = JSON.parse(mine!) as { login: { user: { id: string }; guilds: { id: string }[] } };
    expect(session.login.user.id).toBe(gina);
    expect(session.login.guilds.map((guild) => guild.id).sort()).toEqual(
      [managed.guildId, other.guildId].sort(),
    );
    expect(mine).not.toMatch(/access_token|refresh_token/);
  });

  it('refuses a callback whose state differs from the one bound to the session (nothing logged in)', async () => {
    const jar = new CookieJar();
    const start = await request(jar, `${dashboard.url}/auth/discord`);
    const authorize = new URL(start.headers.get('location') ?? '');
    authorize.searchParams.set('sandbox_user', gina);
    authorize.searchParams.set('state', 'forged-state-from-an-attacker');
    const consent = await fetch(authorize, { redirect: 'manual' });
    const callback = await request(jar, consent.headers.get('location') ?? '');
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('state mismatch');
    const home = await request(jar, `${dashboard.url}/`);
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/login');
  });

  it("refuses a valid code and state delivered to another browser (the state is bound to the first browser's session)", async () => {
    const victim = new CookieJar();
    const start = await request(victim, `${dashboard.url}/auth/discord`);
    const authorize = new URL(start.headers.get('location') ?? '');
    authorize.searchParams.set('sandbox_user', gina);
    const consent = await fetch(authorize, { redirect: 'manual' });
    const stranger = new CookieJar();
    const callback = await request(stranger, consent.headers.get('location') ?? '');
    expect(callback.status).toBe(400);
    const home = await request(stranger, `${dashboard.url}/`);
    expect(home.headers.get('location')).toBe('/login');
  });

  it('answers 403 to a mutation without a CSRF token or with a wrong one, and accepts the page token', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const page = await request(jar, `${dashboard.url}/guilds/${managed.guildId}`);
    expect(page.status).toBe(200);
    const token = csrfTokenOf(await page.text());
    const form = { selectedPoolId: '', idleMode: 'custom', idleSeconds: '900' };

    const missing = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form,
    });
    expect(missing.status).toBe(403);
    const wrong = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form: { ...form, _csrf: `${token}x` },
    });
    expect(wrong.status).toBe(403);
    const settingsAfterRefusals = await stack.ctx.guilds.get(managed.guildId);
    expect(settingsAfterRefusals.idleReleaseSeconds).toBeNull();

    const saved = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form: { ...form, _csrf: token },
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/guilds/${managed.guildId}?saved=1`);
    expect((await stack.ctx.guilds.get(managed.guildId)).idleReleaseSeconds).toBe(900);
  });

  it('refuses a custom idle time outside 60 s … 31 days with 400 naming the field (nothing saved)', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const page = await (await request(jar, `${dashboard.url}/guilds/${managed.guildId}`)).text();
    expect(page).toContain('max="2678400"');
    const token = csrfTokenOf(page);
    const before = await stack.ctx.guilds.get(managed.guildId);
    for (const idleSeconds of ['59', '2678401', '99999999999999999999', '1e3', '', '600.5']) {
      const refused = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
        method: 'POST',
        form: { selectedPoolId: '', idleMode: 'custom', idleSeconds, _csrf: token },
      });
      expect({ idleSeconds, status: refused.status }).toEqual({ idleSeconds, status: 400 });
      expect(await refused.text()).toContain(
        'Idle seconds: a custom idle time must be a whole number of seconds from 60 to 2,678,400 (31 days).',
      );
    }
    expect(await stack.ctx.guilds.get(managed.guildId)).toEqual(before);
    const longest = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form: { selectedPoolId: '', idleMode: 'custom', idleSeconds: '2678400', _csrf: token },
    });
    expect(longest.status).toBe(303);
    expect((await stack.ctx.guilds.get(managed.guildId)).idleReleaseSeconds).toBe(2_678_400);
  });

  it('plans a deploy with Post/Redirect/Get, and its invite links add the agent to this server only (guild_id, disable_guild_select)', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const token = csrfTokenOf(
      await (await request(jar, `${dashboard.url}/guilds/${managed.guildId}`)).text(),
    );
    const planPage = `${dashboard.url}/guilds/${managed.guildId}/deploy`;
    const before = await request(jar, planPage);
    expect(before.status).toBe(303);
    expect(before.headers.get('location')).toBe(`/guilds/${managed.guildId}`);

    const posted = await request(jar, planPage, {
      method: 'POST',
      form: { poolId: stack.poolId, desiredTotal: '1', _csrf: token },
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/guilds/${managed.guildId}/deploy`);
    const shown = await request(jar, planPage);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<h1>Deploy plan</h1>');
    const hrefs = [...html.matchAll(/href="([^"]+)"[^>]*>\s*Invite agent/g)].map((m) =>
      m[1].replace(/&#38;/g, '&'),
    );
    expect(hrefs).toHaveLength(1);
    const invite = new URL(hrefs[0]);
    expect(invite.searchParams.get('guild_id')).toBe(managed.guildId);
    expect(invite.searchParams.get('disable_guild_select')).toBe('true');
    expect(invite.searchParams.get('client_id')).toBe(stack.agents[0].clientId);
    // A refresh is a GET of the same plan, not a second plan; H5 still applies to it.
    const refreshed = await request(jar, planPage);
    expect(refreshed.status).toBe(200);
    expect(await refreshed.text()).toContain(`href="${hrefs[0].replace(/&/g, '&#38;')}"`);
    expect((await request(jar, `${dashboard.url}/guilds/${other.guildId}/deploy`)).status).toBe(403);

    // The sandbox's bot authorization flow (Discord Topics › OAuth2 › Bot Authorization Flow).
    invite.searchParams.set('sandbox_user', gina);
    const added = await fetch(invite, { redirect: 'manual' });
    expect(added.status).toBe(200);
    expect(await added.text()).toContain('added to the server');
  });

  it("a guild admin cannot select another owner's private pool (403, nothing saved) but may select a public one", async () => {
    const secret = await stack.ctx.pools.create(
      { ownerId: snowflake(), name: 'Secret pool', visibility: PoolVisibility.Private },
      operator,
    );
    const jar = await loginOverHttp(stack, dashboard, gina);
    const page = await (await request(jar, `${dashboard.url}/guilds/${managed.guildId}`)).text();
    expect(page).not.toContain('Secret pool');
    const token = csrfTokenOf(page);
    const before = await stack.ctx.guilds.get(managed.guildId);
    const refused = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form: { selectedPoolId: secret.id, idleMode: 'default', _csrf: token },
    });
    expect(refused.status).toBe(403);
    expect(await stack.ctx.guilds.get(managed.guildId)).toEqual(before);
    const allowed = await request(jar, `${dashboard.url}/guilds/${managed.guildId}/settings`, {
      method: 'POST',
      form: { selectedPoolId: stack.poolId, idleMode: 'custom', idleSeconds: '900', _csrf: token },
    });
    expect(allowed.status).toBe(303);
    expect((await stack.ctx.guilds.get(managed.guildId)).selectedPoolId).toBe(stack.poolId);
  });

  it('H5: a guild admin of G only gets 403 on any other guild (page, live stream, settings)', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const mine = await request(jar, `${dashboard.url}/guilds/${managed.guildId}`);
    expect(mine.status).toBe(200);
    const token = csrfTokenOf(await mine.text());
    const servers = await (await request(jar, `${dashboard.url}/guilds`)).text();
    expect(servers).toContain('Gina Guild');
    expect(servers).not.toContain('Other Guild');

    const page = await request(jar, `${dashboard.url}/guilds/${other.guildId}`);
    expect(page.status).toBe(403);
    const live = await request(jar, `${dashboard.url}/live/events?guild=${other.guildId}`);
    expect(live.status).toBe(403);
    const audit = await request(jar, `${dashboard.url}/audit?guild=${other.guildId}`);
    expect(audit.status).toBe(403);
    const write = await request(jar, `${dashboard.url}/guilds/${other.guildId}/settings`, {
      method: 'POST',
      form: { selectedPoolId: '', idleMode: 'off', _csrf: token },
    });
    expect(write.status).toBe(403);
    expect((await stack.ctx.guilds.get(other.guildId)).idleReleaseSeconds).toBeNull();
  });

  it('streams live snapshots of the managed guild over SSE and ends the stream after logout', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const token = csrfTokenOf(await (await request(jar, `${dashboard.url}/`)).text());
    const stream = await fetch(`${dashboard.url}/live/events?guild=${managed.guildId}`, {
      headers: { cookie: jar.header(), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
    expect(text).toMatch(/^event: snapshot$/m);
    const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]) as {
      agents: { connected: number; ready: number; busy: number };
      utilization: { overall: number };
      sessions: unknown[];
    };
    expect(data.agents).toEqual({ connected: 0, ready: 0, busy: 0 });
    expect(data.utilization.overall).toBe(0);
    expect(data.sessions).toEqual([]);

    const out = await request(jar, `${dashboard.url}/logout`, { method: 'POST', form: { _csrf: token } });
    expect(out.status).toBe(303);
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
    expect(ended).toBe(true);
  });

  it('a bot owner (BOT_OWNER_IDS) sees every guild, also ones they are not a member of, and the full audit trail', async () => {
    const jar = await loginOverHttp(stack, dashboard, olive);
    const overview = await (await request(jar, `${dashboard.url}/`)).text();
    expect(overview).toContain('olive (bot owner)');
    for (const guild of [managed, other]) {
      const page = await request(jar, `${dashboard.url}/guilds/${guild.guildId}`);
      expect(page.status).toBe(200);
    }
    const audit = await request(jar, `${dashboard.url}/audit`);
    expect(audit.status).toBe(200);
    expect(await audit.text()).toContain('guild.settings');
  });

  it('logout destroys the session in Redis and the old cookie no longer works', async () => {
    const jar = await loginOverHttp(stack, dashboard, gina);
    const stolen = jar.clone();
    const page = await request(jar, `${dashboard.url}/`);
    const token = csrfTokenOf(await page.text());
    const countBefore = (await dashboard.sessionKeys()).length;

    const noToken = await request(jar, `${dashboard.url}/logout`, { method: 'POST', form: {} });
    expect(noToken.status).toBe(403);
    const out = await request(jar, `${dashboard.url}/logout`, { method: 'POST', form: { _csrf: token } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect((await dashboard.sessionKeys()).length).toBe(countBefore - 1);

    const replay = await request(stolen, `${dashboard.url}/`);
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/login');
  });
});
