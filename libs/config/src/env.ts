import { isIP } from 'node:net';
import { z } from 'zod';

/** One problem found in the environment: the variable's name and what is wrong with it. */
export interface EnvIssue {
  variable: string;
  message: string;
}

/**
 * Thrown when the environment does not satisfy an app's schema. The message names every bad
 * variable and never contains a value, so it is safe to log even when the variable is a secret.
 */
export class EnvValidationError extends Error {
  constructor(readonly issues: EnvIssue[]) {
    super(
      `Invalid configuration: ${issues.map((issue) => `${issue.variable}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'EnvValidationError';
  }
}

/**
 * Parses `env` (normally `process.env`) with a zod object schema.
 * Values are never echoed in errors; only variable names and the rule they broke.
 * @throws EnvValidationError naming each missing or malformed variable.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const unset = env[variable] === undefined || env[variable] === '';
    return { variable, message: unset ? 'is required but not set' : describeIssue(issue) };
  });
  throw new EnvValidationError(issues);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod messages may quote the received value; keep only messages that cannot leak it.
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Empty strings count as "not set" so that `FOO=` in a .env file falls back to the default. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

/** Environment field helpers: each coerces the string form of a variable. */
export const env = {
  /** A string that must be present (non-empty). */
  string: () => z.preprocess(unsetIfEmpty, z.string().min(1)),
  /** An optional string; `undefined` when unset or empty. */
  optionalString: () => z.preprocess(unsetIfEmpty, z.string().min(1).optional()),
  /** A TCP port number 0–65535 (0 = any free port). */
  port: (fallback: number) =>
    z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(fallback)),
  /** A whole number within [min, max]. */
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback)),
  /** `true|false|1|0|yes|no`, case-insensitive. */
  boolean: (fallback: boolean) =>
    z.preprocess((value) => {
      const raw = unsetIfEmpty(value);
      if (raw === undefined) return fallback;
      if (typeof raw !== 'string') return raw;
      const text = raw.toLowerCase();
      if (['true', '1', 'yes'].includes(text)) return true;
      if (['false', '0', 'no'].includes(text)) return false;
      return raw;
    }, z.boolean()),
  /** A URL with one of the given protocols (e.g. `postgres:`), optional. */
  optionalUrl: (protocols: string[]) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .refine((value) => isUrlWithProtocol(value, protocols), {
          message: `must be a ${protocols.join(' or ')} URL`,
        })
        .optional(),
    ),
  /** A URL with one of the given protocols and a default. */
  url: (protocols: string[], fallback?: string) =>
    z.preprocess(
      unsetIfEmpty,
      fallback === undefined
        ? z.string().refine((value) => isUrlWithProtocol(value, protocols), {
            message: `must be a ${protocols.join(' or ')} URL`,
          })
        : z
            .string()
            .refine((value) => isUrlWithProtocol(value, protocols), {
              message: `must be a ${protocols.join(' or ')} URL`,
            })
            .default(fallback),
    ),
  /** Comma-separated list of Discord snowflakes (17–20 digits). */
  snowflakes: () =>
    z.preprocess(
      (value) =>
        (typeof value === 'string' ? value : '')
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      z.array(z.string().regex(/^\d{17,20}$/, 'must be a comma-separated list of Discord ids')),
    ),
  /** One of a fixed set of words. */
  oneOf: <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.preprocess(unsetIfEmpty, z.enum(values).default(fallback)),
  /**
   * `TRUST_PROXY`: which proxies in front of an HTTP server Fastify trusts to set
   * `X-Forwarded-For` / `-Proto` / `-Host` (Fastify `trustProxy`, resolved by
   * `@fastify/proxy-addr`). `false` (default, unset or empty): the client address is the TCP peer.
   * A whole number n (1–32): trust the n nearest hops. A comma-separated list of IPs, CIDR ranges
   * or `loopback`/`linklocal`/`uniquelocal`: trust those proxies (preferred). `true`: trust every
   * hop — anyone can then pick their address, so only behind a proxy that overwrites the header.
   * Output: `boolean | number | string[]`; anything else fails validation (the value is never
   * echoed).
   */
  trustProxy: () =>
    z.preprocess(
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
    ),
};

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

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
