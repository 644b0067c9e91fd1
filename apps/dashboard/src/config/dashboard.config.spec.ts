import { EnvValidationError } from '@app/config';
import { loadDashboardConfig } from './dashboard.config';

describe(loadDashboardConfig.name, () => {
  it('has working defaults for development (Discord endpoints, controller URL, live interval)', () => {
    const sut = loadDashboardConfig({});
    expect(sut).toMatchObject({
      DASHBOARD_PORT: 8788,
      DASHBOARD_PUBLIC_URL: 'http://localhost:8788',
      DISCORD_API_URL: 'https://discord.com/api',
      DISCORD_OAUTH_URL: 'https://discord.com/oauth2/authorize',
      CONTROLLER_API_URL: 'http://127.0.0.1:8080',
      DASHBOARD_LIVE_INTERVAL_MS: 2000,
      BOT_OWNER_IDS: [],
    });
    expect(sut.DASHBOARD_SESSION_SECRET).toBeUndefined();
  });

  it('requires a session secret of at least 32 characters in production, without echoing it', () => {
    expect(() => loadDashboardConfig({ NODE_ENV: 'production' })).toThrow(EnvValidationError);
    expect(() => loadDashboardConfig({ NODE_ENV: 'production' })).toThrow(/DASHBOARD_SESSION_SECRET/);
    const short = 'too-short-secret';
    let message = '';
    try {
      loadDashboardConfig({ NODE_ENV: 'production', DASHBOARD_SESSION_SECRET: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DASHBOARD_SESSION_SECRET');
    expect(message).not.toContain(short);
    const ok = loadDashboardConfig({ NODE_ENV: 'production', DASHBOARD_SESSION_SECRET: 'x'.repeat(32) });
    expect(ok.DASHBOARD_SESSION_SECRET).toHaveLength(32);
  });

  it('refuses malformed owner ids and URLs', () => {
    expect(() => loadDashboardConfig({ BOT_OWNER_IDS: 'alice' })).toThrow(/BOT_OWNER_IDS/);
    expect(() => loadDashboardConfig({ CONTROLLER_API_URL: 'ftp://x' })).toThrow(/CONTROLLER_API_URL/);
  });

  it('reads TRUST_PROXY like the controller (false, hop count, proxy list) and refuses garbage', () => {
    expect(loadDashboardConfig({}).TRUST_PROXY).toBe(false);
    expect(loadDashboardConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadDashboardConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(() => loadDashboardConfig({ TRUST_PROXY: 'proxy.example' })).toThrow(/TRUST_PROXY/);
    expect(() => loadDashboardConfig({ TRUST_PROXY: '0' })).toThrow(/TRUST_PROXY/);
  });

  it('refuses an https public URL without TRUST_PROXY (the Secure cookie would never be sent)', () => {
    expect(() => loadDashboardConfig({ DASHBOARD_PUBLIC_URL: 'https://dash.example.org' })).toThrow(
      /TRUST_PROXY: must name the TLS-terminating proxy/,
    );
    const sut = loadDashboardConfig({
      DASHBOARD_PUBLIC_URL: 'https://dash.example.org',
      TRUST_PROXY: 'loopback',
    });
    expect(sut.TRUST_PROXY).toEqual(['loopback']);
  });
});
