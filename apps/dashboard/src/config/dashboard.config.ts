import { isIP } from 'node:net';
import { z } from 'zod';
import { env, EnvValidationError, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/** Address names `@fastify/proxy-addr` understands besides IPs and CIDRs. */
const PROXY_ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** True for an IPv4/IPv6 address, a CIDR range of one, or a proxy-addr name such as `loopback`. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_ADDRESS_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY` of the dashboard, with the controller's syntax: which proxies Fastify trusts to
 * set `X-Forwarded-Proto` / `-For` / `-Host` (Fastify `trustProxy`, `@fastify/proxy-addr`).
 * `false` (default, unset or empty): the TCP connection is the client. A whole number n ≥ 1: the
 * n nearest hops. A comma-separated list of IPs, CIDR ranges or `loopback`/`linklocal`/
 * `uniquelocal` (preferred). `true`: every hop. Behind a TLS-terminating proxy it must name the
 * proxy, or `@fastify/session` sees plain http and never sends the `Secure` session cookie.
 */
export const dashboardTrustProxySetting = z.preprocess(
  (value) => {
    if (value === undefined || value === '') return false;
    if (typeof value !== 'string') return value;
    const text = value.trim().toLowerCase();
    if (text === 'false') return false;
    if (text === 'true') return true;
    if (/^\d+$/.test(text)) return Number(text);
    return value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  },
  z.union([
    z.boolean(),
    z.number().int().min(1, 'TRUST_PROXY hop count must be at least 1 (use false for none)').max(32),
    z
      .array(z.string())
      .min(1)
      .refine((entries) => entries.every(isProxyAddress), {
        message: 'must be false, true, a hop count, or a comma-separated list of IPs / CIDR ranges',
      }),
  ]),
);

/** Environment of the dashboard process, validated at boot (SPEC §2, §7). */
export const dashboardEnvSchema = z.object({
  ...lifecycleEnvShape,
  /** HTTP port of the dashboard. */
  DASHBOARD_PORT: env.port(8788),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
  /** Secret: when set, /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: env.optionalString(),
  /** Secret: Redis URL; sessions live there when set (else in process memory), /readyz probes it. */
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
  /**
   * URL browsers reach the dashboard at: the OAuth2 redirect URI is `<url>/auth/callback`, and an
   * `https:` URL makes the session cookie `Secure`.
   */
  DASHBOARD_PUBLIC_URL: env.url(['http:', 'https:'], 'http://localhost:8788'),
  /**
   * Proxies trusted for `X-Forwarded-Proto` / `-For` (see {@link dashboardTrustProxySetting}); needed
   * behind a TLS-terminating proxy with an `https:` public URL so the Secure cookie is sent.
   */
  TRUST_PROXY: dashboardTrustProxySetting,
  /** Secret (≥ 32 characters) signing the session cookie; required in production. */
  DASHBOARD_SESSION_SECRET: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  /** Session lifetime, seconds (cookie max age and Redis TTL). */
  DASHBOARD_SESSION_TTL_SECONDS: env.int(43_200, 60, 2_592_000),
  /** Redis key prefix of dashboard sessions. */
  DASHBOARD_SESSION_PREFIX: env.string().default('chopsticks:dashboard:session:'),
  /** Discord application (OAuth2 client) the dashboard logs users in with. */
  DISCORD_CLIENT_ID: env.optionalString(),
  /** Secret: OAuth2 client secret of that application. */
  DISCORD_CLIENT_SECRET: env.optionalString(),
  /** Discord REST base (`/v10/...` is appended), e.g. the sandbox's `/api`. */
  DISCORD_API_URL: env.url(['http:', 'https:'], 'https://discord.com/api'),
  /** Discord's OAuth2 authorization page. */
  DISCORD_OAUTH_URL: env.url(['http:', 'https:'], 'https://discord.com/oauth2/authorize'),
  /** Discord user ids that see every guild (comma-separated). */
  BOT_OWNER_IDS: env.snowflakes(),
  /** Base URL of the controller's HTTP server (its admin API is `<url>/api/v1`). */
  CONTROLLER_API_URL: env.url(['http:', 'https:'], 'http://127.0.0.1:8080'),
  /** Secret: admin API key of the dashboard (scopes read + write). */
  DASHBOARD_API_KEY: env.optionalString(),
  /** Timeout of one admin API call, milliseconds. */
  DASHBOARD_API_TIMEOUT_MS: env.int(5_000, 100, 60_000),
  /** How often live pages receive a fresh snapshot over SSE, milliseconds. */
  DASHBOARD_LIVE_INTERVAL_MS: env.int(2_000, 250, 60_000),
});

/** Validated dashboard configuration. */
export type DashboardConfig = z.output<typeof dashboardEnvSchema>;

/**
 * Reads and validates the dashboard's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable,
 *   DASHBOARD_SESSION_SECRET when it is unset with `NODE_ENV=production`, and TRUST_PROXY when it
 *   is `false` with an `https:` DASHBOARD_PUBLIC_URL
 */
export function loadDashboardConfig(
  source: Record<string, string | undefined> = process.env,
): DashboardConfig {
  const config = parseEnv(dashboardEnvSchema, source);
  if (config.NODE_ENV === 'production' && !config.DASHBOARD_SESSION_SECRET)
    throw new EnvValidationError([
      { variable: 'DASHBOARD_SESSION_SECRET', message: 'is required in production (at least 32 characters)' },
    ]);
  if (config.DASHBOARD_PUBLIC_URL.startsWith('https:') && config.TRUST_PROXY === false)
    throw new EnvValidationError([
      {
        variable: 'TRUST_PROXY',
        message:
          'must name the TLS-terminating proxy when DASHBOARD_PUBLIC_URL is https: (the dashboard serves plain HTTP; without a trusted X-Forwarded-Proto the Secure session cookie is never sent and every login fails)',
      },
    ]);
  return config;
}
