import { isIP } from 'node:net';
import { env } from '@app/config';
import { z } from 'zod';
import type { AdminApiOptions } from './admin-api.constants';

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
 * `TRUST_PROXY`: which proxies in front of the HTTP server Fastify trusts to set
 * `X-Forwarded-For` (Fastify `trustProxy`, resolved by `@fastify/proxy-addr`). `false` (default,
 * unset or empty): the client address is the TCP peer. A whole number n ≥ 1: trust the n nearest
 * hops. A comma-separated list of IPs, CIDR ranges or `loopback`/`linklocal`/`uniquelocal`: trust
 * those proxies (preferred). `true`: trust every hop — anyone can then pick their address, so
 * only behind a proxy that overwrites the header. Anything else fails the boot.
 */
export const trustProxySetting = z.preprocess(
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
