import { existsSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type DashboardProcess, loginOverHttp, startDashboard } from './support/dashboard-app';
import { freePort } from './support/app-process';
import { controllerUrl, createStack, type Stack } from './support/stack';

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

/**
 * A TCP relay between the dashboard and the controller that the test can cut and restore on
 * the same port, so the controller becomes unreachable for the dashboard while it keeps running.
 */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The overview's live view in Chromium while the controller becomes unreachable: the SSE stream
 * sends `event: problem`, the page says live updates are paused and drops its "(live)" label,
 * and both come back with the next snapshot once the controller answers again.
 */
describe('dashboard live view when the controller is unreachable (Chromium)', () => {
  let stack: Stack;
  let dashboard: DashboardProcess;
  let relay: Relay;
  let browser: Browser;
  let page: Page;
  let olive: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the dashboard browser tests`,
      );
    stack = await createStack({ agentCount: 0 });
    olive = stack.discord.control.createUser({ username: 'olive' }).userId;
    await stack.startController({ ADMIN_API_RATE_LIMIT: '100000' });
    const controller = new URL(controllerUrl(stack));
    relay = new Relay(await freePort(), { host: controller.hostname, port: Number(controller.port) });
    await relay.open();
    dashboard = await startDashboard(stack, {
      botOwnerIds: [olive],
      env: { CONTROLLER_API_URL: `http://127.0.0.1:${relay.port}`, DASHBOARD_API_TIMEOUT_MS: '1000' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.cut();
    await dashboard?.close();
    await stack?.close();
  });

  it('shows "live updates paused: controller unreachable" without the (live) label, until a snapshot arrives', async () => {
    const jar = await loginOverHttp(stack, dashboard, olive);
    const [name, value] = jar.header().split(';')[0].split('=');
    await page.context().addCookies([{ name, value, url: dashboard.url }]);
    await page.goto(`${dashboard.url}/`);
    await page.locator('[data-live-url][data-live-state="open"]').waitFor();
    const label = page.locator('[data-live-label]');
    await expect(label.isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-live-problem]').count()).resolves.toBe(0);

    await relay.cut();
    await page.locator('[data-live-url][data-live-state="paused"]').waitFor();
    const banner = page
      .getByRole('status')
      .filter({ hasText: /live updates paused: controller unreachable/i });
    await banner.waitFor();
    await expect(label.isVisible()).resolves.toBe(false);
    await expect(page.locator('.hint', { hasText: 'Updated' }).innerText()).resolves.not.toContain('(live)');

    await relay.open();
    await page.locator('[data-live-url][data-live-state="open"]').waitFor();
    await banner.waitFor({ state: 'hidden' });
    await expect(label.isVisible()).resolves.toBe(true);
  });
});
