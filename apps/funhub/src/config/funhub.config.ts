import { resolve } from 'node:path';
import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/** Directory of the shipped fun text variants (`apps/funhub/data`). */
export const DEFAULT_FUNHUB_DATA_DIR = resolve(__dirname, '../../data');

/** A plaintext API key: 16–256 printable ASCII characters without spaces or commas. */
const PLAIN_KEY = /^[\x21-\x2b\x2d-\x7e]{16,256}$/;
/** A stored key hash as written by `hashSecret` of `@app/access`. */
const HASHED_KEY = /^sha256:[0-9a-f]{64}$/;

/**
 * `FUNHUB_API_KEYS`: comma-separated API keys, each either the key itself (≥ 16 characters) or
 * its `sha256:<64 hex>` hash. Parsed into the list of entries; never echoed in errors.
 */
const apiKeysVariable = z.preprocess(
  (value) =>
    (typeof value === 'string' ? value : '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  z.array(
    z.string().refine((key) => HASHED_KEY.test(key) || PLAIN_KEY.test(key), {
      message: 'must be a comma-separated list of keys (≥ 16 characters, no spaces) or sha256:<hex> hashes',
    }),
  ),
);

/** `FUNHUB_CORS_ORIGINS`: comma-separated exact origins (`https://fun.example.org`), or empty. */
const corsOriginsVariable = z.preprocess(
  (value) =>
    (typeof value === 'string' ? value : '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  z.array(
    z
      .string()
      .refine(isOrigin, { message: 'must be a comma-separated list of origins like https://host[:port]' }),
  ),
);

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Environment of the FunHub process, validated at boot (SPEC §2). */
export const funhubEnvSchema = z.object({
  ...lifecycleEnvShape,
  /** HTTP port of the FunHub. */
  FUNHUB_PORT: env.port(8790),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
  /** Secret: when set, /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: env.optionalString(),
  /**
   * Proxies trusted to set `X-Forwarded-For` (`env.trustProxy()` of `@app/config`, the
   * controller's syntax), so that behind a reverse proxy the failed-authentication limit counts
   * each client address, not the proxy's.
   */
  TRUST_PROXY: env.trustProxy(),
  /** Secret: Redis URL for per-key rate limits and /readyz; unset = in-process limits. */
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
  /** Secret: accepted `X-Api-Key` values (or their `sha256:` hashes); empty = every API call is 401. */
  FUNHUB_API_KEYS: apiKeysVariable,
  /** Browser origins allowed to call the API (CORS); empty = no cross-origin access. */
  FUNHUB_CORS_ORIGINS: corsOriginsVariable,
  /** Requests per API key per window (IETF RateLimit headers on every API response). */
  FUNHUB_RATE_LIMIT: env.int(120, 1, 1_000_000),
  /** Rate-limit window in seconds. */
  FUNHUB_RATE_LIMIT_WINDOW_SECONDS: env.int(60, 1, 86_400),
  /** Redis key prefix of the rate-limit counters. */
  FUNHUB_RATE_LIMIT_KEY_PREFIX: env.string().default('chopsticks:funhub'),
  /** Redis unreachable: `open` = per-process in-memory limits, `closed` = 503 until it is back. */
  FUNHUB_RATE_LIMIT_REDIS_DOWN_MODE: env.oneOf(['open', 'closed'] as const, 'open'),
  /**
   * Requests with a wrong `X-Api-Key` per client address per minute; beyond it that address gets
   * 429 with `Retry-After` until the minute is over (counted in Redis like the per-key limits).
   */
  FUNHUB_AUTH_FAILURE_LIMIT: env.int(20, 1, 1_000_000),
  /** Directory of the fun text variant files (`*.json`), validated at boot. */
  FUNHUB_DATA_DIR: env.string().default(DEFAULT_FUNHUB_DATA_DIR),
});

/** Validated FunHub configuration. */
export type FunhubConfig = z.output<typeof funhubEnvSchema>;

/**
 * Reads and validates the FunHub's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable
 */
export function loadFunhubConfig(source: Record<string, string | undefined> = process.env): FunhubConfig {
  return parseEnv(funhubEnvSchema, source);
}
