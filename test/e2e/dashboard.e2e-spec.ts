import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { GuildCreated } from '@app/sandbox';
import { SessionRegistry } from '@app/sessions';
import { REPO_ROOT } from './support/app-process';
import { type DashboardProcess, startDashboard } from './support/dashboard-app';
import { createStack, type Stack, until } from './support/stack';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser build. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');
/** Manage Server — Discord Topics › Permissions › Bitwise Permission Flags (1 << 5). */
const MANAGE_GUILD = String(1 << 5);

/**
 * The dashboard in a real browser (headless Chromium driven by playwright-core) against the real
 * dashboard process, controller, runner process and the Discord/Lavalink sandboxes: log in through
 * the sandbox Discord OAuth2, see the overview, watch a session appear live when a user plays
 * music, release it, get 403 on another guild (H5), and no horizontal scrolling on a phone.
 * Screenshots go to test-artifacts/dashboard/.
 */
describe('dashboard in Chromium (login, live sessions, release, H5)', () => {
  let stack: Stack;
  let dashboard: DashboardProcess;
  let browser: Browser;
  let page: Page;
  let managed: GuildCreated;
  let other: GuildCreated;
  let gina: string;
  let hank: string;

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the dashboard browser tests`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await createStack({ agentCount: 2, timeScale: 0.03 });
    gina = stack.discord.control.createUser({ username: 'gina' }).userId;
    hank = stack.discord.control.createUser({ username: 'hank' }).userId;
    const { userId: owner } = stack.discord.control.createUser({ username: 'owner' });
    managed = stack.discord.control.createGuild({
      name: 'Gina Guild',
      ownerId: owner,
      textChannels: ['general'],
      voiceChannels: ['Music 1'],
      roles: [{ name: 'Managers', permissions: MANAGE_GUILD }],
      members: [stack.controllerBot.botUserId, ...stack.agents.map((agent) => agent.botUserId)],
    });
    stack.discord.control.addMember(managed.guildId, gina, [managed.roles.Managers]);
    other = stack.createGuild({ name: 'Other Guild', agents: 'all' });
    stack.discord.control.addMember(other.guildId, gina, []);
    stack.discord.control.addMember(other.guildId, hank, []);
    await stack.startController({
      ADMIN_API_RATE_LIMIT: '100000',
      DISCORD_OAUTH_URL: stack.discord.urls.oauth2,
    });
    await stack.startRunner();
    await stack.waitForAgents(managed.guildId, 2);
    await stack.waitForAgents(other.guildId, 2);
    dashboard = await startDashboard(stack);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await stack?.close();
  });

  it('logs in through the sandbox Discord OAuth2 and shows the overview with live agent counts', async () => {
    stack.discord.control.setOAuthUser(gina);
    await page.goto(`${dashboard.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot('01-login');
    await page.getByRole('link', { name: 'Log in with Discord' }).click();
    await page.waitForURL(`${dashboard.url}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
    await expect(page.locator('header').textContent()).resolves.toContain('gina');
    await page.locator('[data-live-url][data-live-state="open"]').waitFor();
    await expect(page.locator('[data-live="connected"]').first().textContent()).resolves.toBe('2');
    await expect(page.locator('[data-live="ready"]').first().textContent()).resolves.toBe('2');
    await expect(page.locator('[data-live="busy"]').first().textContent()).resolves.toBe('0');
    await expect(page.getByRole('img', { name: /Busy share of ready agents/ }).count()).resolves.toBe(1);
    await expect(page.locator('[data-live-sessions]').textContent()).resolves.toContain('No live sessions.');
    await shot('02-overview');
  });

  it('H5: shows a session live (no reload) when a user plays music in the managed guild, never the other guild’s', async () => {
    await stack.moveVoice(hank, other, other.channels['Music 1']);
    const elsewhere = await stack.slash(hank, other, 'music', {
      subcommand: 'play',
      options: { query: 'other guild tune' },
    });
    expect(elsewhere.error).toBeUndefined();
    await stack.moveVoice(gina, managed, managed.channels['Music 1']);
    const played = await stack.slash(gina, managed, 'music', {
      subcommand: 'play',
      options: { query: 'neon harbor' },
    });
    expect(played.error).toBeUndefined();
    const sessions = stack.get(SessionRegistry);
    await until(() => sessions.byGuild(managed.guildId).length === 1, 'the music session in Gina Guild');
    const [session] = sessions.byGuild(managed.guildId);

    const row = page.locator(`[data-live-sessions] tr[data-session-id="${session.sessionId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Gina Guild');
    await expect(row.textContent()).resolves.toContain('music');
    await expect(page.locator('[data-live-sessions] tr[data-session-id]').count()).resolves.toBe(1);
    await page.locator('[data-live="busy"]', { hasText: '1' }).first().waitFor();
    await expect(page.locator('[data-live="sessions"]').first().textContent()).resolves.toBe('1');
    await expect(page.locator('body').textContent()).resolves.not.toContain('Other Guild');
    await shot('03-overview-live-session');
  });

  it('releases the session from the dashboard through the admin API', async () => {
    const sessions = stack.get(SessionRegistry);
    const [session] = sessions.byGuild(managed.guildId);
    await page.getByRole('button', { name: 'Release the music session in Gina Guild' }).click();
    await page.waitForURL(`${dashboard.url}/sessions?released=1`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Session released.');
    await until(
      () => ![...sessions.all()].some((live) => live.sessionId === session.sessionId),
      'the released session to end',
    );
    await page.locator('[data-live-sessions]', { hasText: 'No live sessions.' }).waitFor();
    await shot('04-session-released');
  });

  it('H5: shows the managed guild and answers 403 on any other guild', async () => {
    const mine = await page.goto(`${dashboard.url}/guilds/${managed.guildId}`);
    expect(mine?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Server: Gina Guild');
    await expect(page.getByLabel('Selected pool').count()).resolves.toBe(1);
    const agentRow = page
      .getByRole('region', { name: 'Connected agents' })
      .locator(`tr[data-agent-id="${stack.agentIds[0]}"]`);
    await expect(agentRow.locator('td').first().textContent()).resolves.toBe('agent1');
    await expect(agentRow.locator('td').first().locator('span').getAttribute('title')).resolves.toBe(
      stack.agentIds[0],
    );
    await shot('05-guild');

    const forbidden = await page.goto(`${dashboard.url}/guilds/${other.guildId}`);
    expect(forbidden?.status()).toBe(403);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Manage Server');
    await shot('06-other-guild-403');
  });

  it('plans a deploy (desired total → invite links) and saves the idle policy', async () => {
    await page.goto(`${dashboard.url}/guilds/${managed.guildId}`);
    await page.getByLabel('Release after a custom idle time').check();
    await page.getByLabel('Idle seconds').fill('600');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(`${dashboard.url}/guilds/${managed.guildId}?saved=1`);
    expect((await stack.ctx.guilds.get(managed.guildId)).idleReleaseSeconds).toBe(600);

    const third = stack.discord.control.createApplication({ name: 'Agent 3', username: 'agent3' });
    await stack.ctx.agents.register(
      { poolId: stack.poolId, clientId: third.clientId, tag: 'agent3', token: third.token },
      { id: 'e2e', operator: true },
    );
    await page.getByLabel('Agents this server should have in total (0–49)').fill('3');
    await page.getByRole('button', { name: 'Plan' }).click();
    await page.waitForURL(`${dashboard.url}/guilds/${managed.guildId}/deploy`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Deploy plan');
    const invite = page.getByRole('link', { name: 'Invite agent 1' });
    const href = new URL((await invite.getAttribute('href')) ?? '');
    expect(href.origin + href.pathname).toBe(stack.discord.urls.oauth2);
    expect(href.searchParams.get('client_id')).toBe(third.clientId);
    expect(href.searchParams.get('scope')).toBe('bot applications.commands');
    expect(href.searchParams.get('guild_id')).toBe(managed.guildId);
    expect(href.searchParams.get('disable_guild_select')).toBe('true');
    // Post/Redirect/Get: a reload shows the plan again without posting the form.
    const reloaded = await page.reload();
    expect(reloaded?.request().method()).toBe('GET');
    expect(reloaded?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Deploy plan');
    await expect(page.getByRole('status').textContent()).resolves.toMatch(
      /2 present, 1 needed, 1 invite links/,
    );
    await shot('07-deploy-plan');
  });

  it('lists the audit trail and needs no horizontal scrolling on a 375 px phone', async () => {
    await page.goto(`${dashboard.url}/audit`);
    await expect(
      page.getByRole('region', { name: 'Audit events, newest first' }).textContent(),
    ).resolves.toContain('deploy.plan');
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    const context = page.context();
    await phone.context().addCookies(await context.cookies());
    for (const path of ['/', '/sessions', `/guilds/${managed.guildId}`, '/audit', '/agents']) {
      const response = await phone.goto(`${dashboard.url}${path}`);
      expect(response?.status()).toBe(200);
      const widths = await phone
        .locator('html')
        .evaluate((root: { scrollWidth: number; clientWidth: number }) => ({
          scroll: root.scrollWidth,
          client: root.clientWidth,
        }));
      expect({ path, overflowPx: widths.scroll - widths.client }).toEqual({ path, overflowPx: 0 });
    }
    await phone.goto(`${dashboard.url}/`);
    await shot('08-phone-overview', phone);
    await phone.close();
  });

  it('names agents by tag and pools by name on the agents page, unbroken on a 375 px phone', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await phone.context().addCookies(await page.context().cookies());
    try {
      const response = await phone.goto(`${dashboard.url}/agents`);
      expect(response?.status()).toBe(200);
      const region = phone.getByRole('region', { name: 'Connected agents' });
      for (const [index, agentId] of stack.agentIds.entries()) {
        const cells = region.locator(`tr[data-agent-id="${agentId}"] td`);
        const tag = cells.nth(0).locator('span');
        const pool = cells.nth(2).locator('span');
        await expect(tag.textContent()).resolves.toBe(`agent${index + 1}`);
        await expect(tag.getAttribute('title')).resolves.toBe(agentId);
        await expect(pool.textContent()).resolves.toBe('Music pool');
        await expect(pool.getAttribute('title')).resolves.toBe(stack.poolId);
        // A name broken inside a word spans more line boxes than it has words.
        const lines = (target: typeof tag) =>
          target.evaluate(
            (element: { getClientRects(): { length: number } }) => element.getClientRects().length,
          );
        await expect(lines(tag)).resolves.toBe(1);
        await expect(lines(pool)).resolves.toBeLessThanOrEqual(2);
      }
      await expect(region.textContent()).resolves.not.toContain(stack.agentIds[0]);
      await shot('09-phone-agents', phone);
    } finally {
      await phone.close();
    }
  });
});
