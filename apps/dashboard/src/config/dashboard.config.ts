import { z } from 'zod';
import { env, EnvValidationError, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/**
 * `TRUST_PROXY` of the dashboard: `env.trustProxy()` of `@app/config`, the controller's syntax.
 * Behind a TLS-terminating proxy it must name the proxy, or `@fastify/session` sees plain http
 * and never sends the `Secure` session cookie.
 */
export const dashboardTrustProxySetting = env.trustProxy();

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
