import { z } from 'zod';
import { env } from '@app/config';

/** One limit: at most `points` commands per `durationSeconds`, per user and command. */
export interface CommandRateLimit {
  points: number;
  durationSeconds: number;
}

/** Limits by top-level command name; `default` applies to commands without their own entry. */
export type CommandRateLimits = { default: CommandRateLimit } & Record<string, CommandRateLimit>;

/** What the limiter does while Redis cannot be reached (SPEC §9). */
export type RedisDownMode = 'open' | 'closed';

/** Default of `COMMAND_RATE_LIMITS` (ACCEPTANCE C1: the 6th `/agents` within 60 s is refused). */
export const DEFAULT_COMMAND_RATE_LIMITS = 'agents=5/60,pools=5/60,music=20/60,assistant=20/60,default=10/60';

const LIMIT_ENTRY = /^([a-z][a-z0-9_-]{0,31})=(\d{1,6})\/(\d{1,6})$/;

/**
 * Parses `name=points/seconds,…` (e.g. `agents=5/60,default=10/60`) into {@link CommandRateLimits}.
 * A missing `default` entry falls back to 10 per 60 s.
 * @throws Error naming the malformed entry (zod turns it into an issue on the variable)
 */
export function parseCommandRateLimits(text: string): CommandRateLimits {
  const limits: Record<string, CommandRateLimit> = { default: { points: 10, durationSeconds: 60 } };
  for (const raw of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = LIMIT_ENTRY.exec(raw);
    const points = match ? Number(match[2]) : 0;
    const durationSeconds = match ? Number(match[3]) : 0;
    if (!match || points < 1 || durationSeconds < 1) {
      throw new Error(`"${raw}" is not name=points/seconds with points and seconds ≥ 1`);
    }
    limits[match[1]] = { points, durationSeconds };
  }
  return limits as CommandRateLimits;
}

/**
 * Environment slice of the command pipeline's limiter, spread into the controller's schema:
 * - `COMMAND_RATE_LIMITS` (`agents=5/60,pools=5/60,music=20/60,assistant=20/60,default=10/60`):
 *   per-user limit per top-level command, `points/seconds`.
 * - `RATE_LIMIT_REDIS_DOWN_MODE` (`open`): with Redis unreachable, `open` keeps answering and
 *   throttles with per-process in-memory limits; `closed` refuses commands until Redis is back.
 * - `IDEMPOTENCY_WINDOW_SECONDS` (10): the same user + command + options within this window is
 *   one effect.
 * - `RATE_LIMIT_KEY_PREFIX` (`chopsticks`): Redis key prefix of throttle and idempotency keys.
 * The Redis itself is the app's `REDIS_URL`; unset = in-process stores (one process only).
 */
export const ratelimitsEnvShape = {
  COMMAND_RATE_LIMITS: z.preprocess(
    (value) => (value === '' || value === undefined ? DEFAULT_COMMAND_RATE_LIMITS : value),
    z.string().transform((text, ctx) => {
      try {
        return parseCommandRateLimits(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  ),
  RATE_LIMIT_REDIS_DOWN_MODE: env.oneOf(['open', 'closed'] as const, 'open'),
  IDEMPOTENCY_WINDOW_SECONDS: env.int(10, 1, 3600),
  RATE_LIMIT_KEY_PREFIX: env.string().default('chopsticks'),
};

/** Parsed limiter environment. */
export type RatelimitsEnv = z.output<z.ZodObject<typeof ratelimitsEnvShape>>;

/** Options of `RateLimitsModule.forRoot` / `forRootAsync`. */
export interface RateLimitsModuleOptions {
  /** Secret: `redis://` or `rediss://` URL; unset = in-process stores. */
  redisUrl?: string;
  /** Prefix of every Redis key (`<prefix>:throttle:…`, `<prefix>:idem:…`). */
  keyPrefix: string;
  commandLimits: CommandRateLimits;
  redisDownMode: RedisDownMode;
  idempotencyWindowSeconds: number;
}

/** Maps the parsed env slice (plus the app's `REDIS_URL`) to module options. */
export function rateLimitsOptionsFromEnv(parsed: RatelimitsEnv, redisUrl?: string): RateLimitsModuleOptions {
  return {
    redisUrl,
    keyPrefix: parsed.RATE_LIMIT_KEY_PREFIX,
    commandLimits: parsed.COMMAND_RATE_LIMITS,
    redisDownMode: parsed.RATE_LIMIT_REDIS_DOWN_MODE,
    idempotencyWindowSeconds: parsed.IDEMPOTENCY_WINDOW_SECONDS,
  };
}
