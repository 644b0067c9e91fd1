import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { ApiKeyScope } from '@app/access';
import type { ApplicationCreated } from '@app/sandbox';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from './app-process';
import { controllerUrl, type Stack } from './stack';
import { testConfig } from '../../utils/test-config';

/** The machine's Redis (real, as every test here uses). */
export const DASHBOARD_TEST_REDIS_URL = testConfig.redisUrl;

/** A dashboard process started by {@link startDashboard}. */
export interface DashboardProcess {
  /** `http://127.0.0.1:<port>`, where the process listens. */
  url: string;
  /** Its DASHBOARD_PUBLIC_URL: {@link url} unless started with `publicUrl` (e.g. behind TLS). */
  publicUrl: string;
  /** The Discord application the dashboard logs users in with (redirect URI registered). */
  oauthApp: ApplicationCreated;
  /** Redis key prefix of this dashboard's sessions (unique per start). */
  sessionPrefix: string;
  process: AppProcess;
  /** Session keys in Redis under {@link sessionPrefix}. */
  sessionKeys(): Promise<string[]>;
  /** A stored session's JSON by full key. */
  sessionValue(key: string): Promise<string | null>;
  /** Stops the process (SIGTERM, then SIGKILL) and deletes its session keys. */
  close(): Promise<void>;
}

/**
 * Starts `apps/dashboard` as a real child process against the stack: its own Discord OAuth2
 * application in the sandbox (redirect URI `<url>/auth/callback`), an admin API key with scopes
 * read + write on the stack's controller, sessions in the machine's Redis under a unique prefix.
 * The controller must be started first.
 */
export async function startDashboard(
  stack: Stack,
  input: { botOwnerIds?: string[]; env?: Record<string, string>; publicUrl?: string } = {},
): Promise<DashboardProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = input.publicUrl ?? url;
  const oauthApp = stack.discord.control.createApplication({
    name: 'Chopsticks Dashboard',
    username: 'dashboard',
    redirectUris: [`${publicUrl}/auth/callback`],
  });
  const apiKey = await stack.ctx.apiKeys.create({
    name: 'dashboard e2e',
    scopes: [ApiKeyScope.Read, ApiKeyScope.Write],
    createdBy: 'e2e',
  });
  const sessionPrefix = `chopsticks:e2e:dashboard:${randomBytes(6).toString('hex')}:`;
  const child = spawnApp('dashboard', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DASHBOARD_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    DASHBOARD_PUBLIC_URL: publicUrl,
    REDIS_URL: DASHBOARD_TEST_REDIS_URL,
    DASHBOARD_SESSION_PREFIX: sessionPrefix,
    DASHBOARD_SESSION_SECRET: randomBytes(32).toString('base64url'),
    DISCORD_CLIENT_ID: oauthApp.clientId,
    DISCORD_CLIENT_SECRET: oauthApp.clientSecret,
    DISCORD_API_URL: stack.discord.urls.api,
    DISCORD_OAUTH_URL: stack.discord.urls.oauth2,
    BOT_OWNER_IDS: (input.botOwnerIds ?? []).join(','),
    CONTROLLER_API_URL: controllerUrl(stack),
    DASHBOARD_API_KEY: apiKey.secret,
    DASHBOARD_LIVE_INTERVAL_MS: '500',
    ...input.env,
  });
  try {
    await waitForHttp200(`${url}/health`, 60_000);
  } catch (error) {
    child.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  const redis = new Redis(DASHBOARD_TEST_REDIS_URL, { lazyConnect: true });
  const sessionKeys = async () => {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${sessionPrefix}*`, count: 200 }) as AsyncIterable<
      string[]
    >)
      keys.push(...batch);
    return keys;
  };
  return {
    url,
    publicUrl,
    oauthApp,
    sessionPrefix,
    process: child,
    sessionKeys,
    sessionValue: (key) => redis.get(key),
    async close() {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGTERM');
        const timer = setTimeout(() => child.child.kill('SIGKILL'), 8_000);
        await child.exited;
        clearTimeout(timer);
      }
      const keys = await sessionKeys().catch(() => []);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit().catch(() => undefined);
    },
  };
}

/** A minimal cookie jar for HTTP-level tests (one origin, name=value only). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Stores the cookies of a response's `Set-Cookie` headers (an expired one is removed). */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=thu, 01 jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The `Cookie` header value. */
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** A copy (another browser holding the same cookies). */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }
}

/**
 * `fetch` without following redirects, sending and storing the jar's cookies.
 */
export async function request(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Response> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    },
    body: init.form ? new URLSearchParams(init.form) : undefined,
  });
  jar.store(response);
  return response;
}

/**
 * Logs `userId` in through the sandbox Discord OAuth2 flow over plain HTTP: /auth/discord →
 * the sandbox authorize page (consent for the signed-in sandbox user) → /auth/callback → `/`.
 * @returns the jar holding the logged-in session cookie
 */
export async function loginOverHttp(
  stack: Stack,
  dashboard: DashboardProcess,
  userId: string,
): Promise<CookieJar> {
  const jar = new CookieJar();
  const start = await request(jar, `${dashboard.url}/auth/discord`);
  if (start.status !== 302) throw new Error(`/auth/discord answered ${start.status}`);
  const authorize = new URL(start.headers.get('location') ?? '');
  authorize.searchParams.set('sandbox_user', userId);
  const consent = await fetch(authorize, { redirect: 'manual' });
  if (consent.status !== 302)
    throw new Error(`authorize answered ${consent.status}: ${await consent.text()}`);
  const callback = await request(jar, consent.headers.get('location') ?? '');
  if (callback.status !== 302 || callback.headers.get('location') !== '/')
    throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  return jar;
}

/** The CSRF token a dashboard page embeds (`<meta name="csrf-token">`). */
export function csrfTokenOf(page: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)"/.exec(page);
  if (!match) throw new Error('the page has no CSRF token');
  return match[1];
}
