import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ChopsticksMetrics } from '@app/metrics';
import type { CommandRateLimit } from './ratelimits.config';
import { RateLimitBackend } from './rate-limit-backend';

/** Outcome of {@link CommandThrottle.consume}. */
export type ThrottleDecision =
  | { allowed: true; remainingPoints: number }
  /** Over the limit: `retryAfterSeconds` is the real time until a point frees up, rounded up. */
  | { allowed: false; reason: 'limited'; retryAfterSeconds: number }
  /** Redis is unreachable and the limiter runs fail-closed. */
  | { allowed: false; reason: 'unavailable' };

interface Limiters {
  redis: RateLimiterRedis | null;
  memory: RateLimiterMemory;
}

/**
 * Per-user, per-command throttle (SPEC §6) on rate-limiter-flexible: a fixed window of
 * `points` per `durationSeconds` per (command, user), counted atomically in Redis by one Lua
 * script (`SET NX EX` + `INCRBY` + `PTTL`), so the refusal carries the window's real remaining
 * time. Without Redis (`REDIS_URL` unset) the same limits live in process memory; with Redis
 * down the configured mode applies: `open` falls back to the in-memory limiter of this process,
 * `closed` refuses. Refusals count in `chopsticks_rate_limit_hits_total{type="command"}`.
 */
@Injectable()
export class CommandThrottle {
  private readonly limiters = new Map<string, Limiters>();

  constructor(
    private readonly backend: RateLimitBackend,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  /** The limit that applies to a top-level command (its own entry or `default`). */
  limitOf(command: string): CommandRateLimit {
    return this.backend.options.commandLimits[command] ?? this.backend.options.commandLimits.default;
  }

  /**
   * Spends one point of `userId`'s budget for `command`.
   * @param userId Discord user id (snowflake)
   * @param command top-level command name (`agents`, `music`, …)
   * @returns allowed with the points left, or refused with the seconds until the next point
   */
  async consume(userId: string, command: string): Promise<ThrottleDecision> {
    const limiters = this.limitersOf(command);
    if (limiters.redis) {
      try {
        const res = await limiters.redis.consume(userId);
        this.backend.reportSuccess();
        return { allowed: true, remainingPoints: res.remainingPoints };
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          this.backend.reportSuccess();
          return this.refused(error);
        }
        this.backend.reportFailure(error);
        if (this.backend.mode === 'closed') return { allowed: false, reason: 'unavailable' };
      }
    }
    try {
      const res = await limiters.memory.consume(userId);
      return { allowed: true, remainingPoints: res.remainingPoints };
    } catch (error) {
      if (error instanceof RateLimiterRes) return this.refused(error);
      throw error;
    }
  }

  private refused(res: RateLimiterRes): ThrottleDecision {
    this.metrics.rateLimitHits.inc({ type: 'command' });
    return {
      allowed: false,
      reason: 'limited',
      retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }

  private limitersOf(command: string): Limiters {
    let limiters = this.limiters.get(command);
    if (!limiters) {
      const limit = this.limitOf(command);
      const keyPrefix = `${this.backend.options.keyPrefix}:throttle:${command}`;
      const base = { keyPrefix, points: limit.points, duration: limit.durationSeconds };
      limiters = {
        redis: this.backend.redis
          ? new RateLimiterRedis({ ...base, storeClient: this.backend.redis, rejectIfRedisNotReady: true })
          : null,
        memory: new RateLimiterMemory(base),
      };
      this.limiters.set(command, limiters);
    }
    return limiters;
  }
}
