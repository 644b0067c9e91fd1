import { CookieJar, type DashboardProcess, request, startDashboard } from './support/dashboard-app';
import { createStack, type Stack } from './support/stack';

/** What a TLS-terminating reverse proxy adds to every request it forwards to the dashboard. */
const FROM_TLS_PROXY = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };

/** The public origin browsers use; the proxy in front of the dashboard terminates TLS there. */
const PUBLIC_URL = 'https://dashboard.example.test';

/**
 * The dashboard behind a TLS-terminating reverse proxy (real process, sandbox Discord OAuth2,
 * the machine's Redis): with an `https:` DASHBOARD_PUBLIC_URL the session cookie is `Secure`, so
 * `@fastify/session` only sends it when the request is https — which the dashboard can only know
 * from a trusted `X-Forwarded-Proto` (TRUST_PROXY). The test plays the proxy from loopback. The
 * request log never shows the OAuth2 code or state of the callback.
 */
describe('dashboard behind a TLS proxy (TRUST_PROXY, Secure session cookie)', () => {
  let stack: Stack;
  let dashboard: DashboardProcess;
  let pia: string;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 0 });
    pia = stack.discord.control.createUser({ username: 'pia' }).userId;
    await stack.startController({ ADMIN_API_RATE_LIMIT: '100000' });
    dashboard = await startDashboard(stack, {
      botOwnerIds: [pia],
      publicUrl: PUBLIC_URL,
      env: { TRUST_PROXY: 'loopback', LOG_LEVEL: 'info' },
    });
  });

  afterAll(async () => {
    await dashboard?.close();
    await stack?.close();
  });

  /** The URL the proxy forwards a public URL to (same path and query, the dashboard's origin). */
  const behindProxy = (publicUrl: string): string => {
    const url = new URL(publicUrl);
    expect(url.origin).toBe(PUBLIC_URL);
    return `${dashboard.url}${url.pathname}${url.search}`;
  };

  it('sends a Secure session cookie to https requests from the trusted proxy, and a full login works', async () => {
    const jar = new CookieJar();
    const start = await request(jar, `${dashboard.url}/auth/discord`, { headers: FROM_TLS_PROXY });
    expect(start.status).toBe(302);
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith('chopsticks_dashboard='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);

    const authorize = new URL(start.headers.get('location') ?? '');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
    authorize.searchParams.set('sandbox_user', pia);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const redirect = new URL(consent.headers.get('location') ?? '');
    const code = redirect.searchParams.get('code') ?? '';
    const state = redirect.searchParams.get('state') ?? '';
    expect(code).not.toBe('');
    const callback = await request(jar, behindProxy(redirect.href), {
      headers: FROM_TLS_PROXY,
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    expect(callback.headers.getSetCookie().join('\n')).toMatch(/chopsticks_dashboard=[^;]+;.*Secure/i);

    const overview = await request(jar, `${dashboard.url}/`, { headers: FROM_TLS_PROXY });
    expect(overview.status).toBe(200);
    const page = await overview.text();
    expect(page).toContain('<h1>Overview</h1>');
    expect(page).toContain('pia');

    // The request log (LOG_LEVEL=info) records the callback without its code and state.
    const logged = dashboard.process.output();
    expect(logged).toContain('/auth/callback?code=[redacted]&state=[redacted]');
    expect(logged).not.toContain(code);
    expect(logged).not.toContain(state);
  });

  it('never sends the Secure cookie over plain http (no X-Forwarded-Proto): no session is started there', async () => {
    const jar = new CookieJar();
    const start = await request(jar, `${dashboard.url}/auth/discord`);
    expect(start.status).toBe(302);
    expect(start.headers.getSetCookie().some((line) => line.startsWith('chopsticks_dashboard='))).toBe(false);
  });
});
