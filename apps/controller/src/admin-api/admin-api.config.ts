import { env } from '@app/config';
import type { AdminApiOptions } from './admin-api.constants';

/** `TRUST_PROXY` of the controller: `env.trustProxy()` of `@app/config` (syntax documented there). */
export const trustProxySetting = env.trustProxy();

/** Environment slice of the admin API (part of the controller's config). */
export const adminApiEnvShape = {
  /** Requests per API key per window (`ADMIN_API_RATE_LIMIT_WINDOW_SECONDS`). */
  ADMIN_API_RATE_LIMIT: env.int(300, 1, 1_000_000),
  /** Window of the admin API rate limits, seconds. */
  ADMIN_API_RATE_LIMIT_WINDOW_SECONDS: env.int(60, 1, 86_400),
  /** Failed authentications per client address per window before it gets 429. */
  ADMIN_API_AUTH_FAILURE_LIMIT: env.int(20, 1, 1_000_000),
  /** Largest admin API request body, bytes (413 above). */
  ADMIN_API_BODY_LIMIT_BYTES: env.int(65_536, 1024, 1_048_576),
  /**
   * Proxies trusted for `X-Forwarded-For` (Fastify `trustProxy`), so that behind a reverse proxy
   * the failed-login limit counts each client, not the proxy. See {@link trustProxySetting}.
   */
  TRUST_PROXY: trustProxySetting,
};

/** Admin API options from the validated controller config. */
export function adminApiOptionsFromEnv(config: {
  ADMIN_API_RATE_LIMIT: number;
  ADMIN_API_RATE_LIMIT_WINDOW_SECONDS: number;
  ADMIN_API_AUTH_FAILURE_LIMIT: number;
  ADMIN_API_BODY_LIMIT_BYTES: number;
  DISCORD_API_URL: string;
}): AdminApiOptions {
  return {
    rateLimitPoints: config.ADMIN_API_RATE_LIMIT,
    rateLimitWindowSeconds: config.ADMIN_API_RATE_LIMIT_WINDOW_SECONDS,
    authFailurePoints: config.ADMIN_API_AUTH_FAILURE_LIMIT,
    bodyLimitBytes: config.ADMIN_API_BODY_LIMIT_BYTES,
    discordApiUrl: config.DISCORD_API_URL,
  };
}
