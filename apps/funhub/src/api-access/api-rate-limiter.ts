import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redactUrl } from '@app/config';
import { ChopsticksMetrics } from '@app/metrics';
import { API_RATE_LIMIT_OPTIONS } from './api-access.constants';

/** Longest wait for one Redis command before it counts as a backend failure (ms). */
export const API_RATE_LIMIT_REDIS_TIMEOUT_MS = 500;

/** Options of the FunHub's per-key limiter. */
export interface ApiRateLimitOptions {
  /** Secret: `redis://` URL; unset = in-process counters (one process only). */
  redisUrl?: string;
  /** Requests per key per window. */
  points: number;
  durationSeconds: number;
  /** Prefix of the Redis keys (`<prefix>:<key id>`). */
  keyPrefix: string;
  /** Redis unreachable: `open` = in-process counters, `closed` = refuse (503). */
  redisDownMode: 'open' | 'closed';
  /** Wrong keys per client address per {@link AUTH_FAILURE_WINDOW_SECONDS} before 429. */
  authFailureLimit: number;
}

/** Window of the failed-authentication limit per client address, seconds. */
export const AUTH_FAILURE_WINDOW_SECONDS = 60;

/** Outcome of {@link ApiRateLimiter.consume}; the numbers feed the RateLimit-* headers. */
export type ApiRateDecision =
  | {
      allowed: boolean;
      /** `RateLimit-Limit`: requests per window. */
      limit: number;
      /** `RateLimit-Remaining`: requests left in this window. */
      remaining: number;
      /** `RateLimit-Reset`: whole seconds until the window resets (also `Retry-After` on 429). */
      resetSeconds: number;
    }
  | { allowed: false; unavailable: true };

/**
 * Per-API-key fixed-window limiter on rate-limiter-flexible: `points` requests per
 * `durationSeconds` per key id, counted atomically in Redis (`RateLimiterRedis`, one Lua script
 * per request) so several FunHub processes share the budget; in process memory when `REDIS_URL`
 * is unset. The Redis client never queues while disconnected and gives up on a command after
 * {@link API_RATE_LIMIT_REDIS_TIMEOUT_MS}; while Redis is down, mode `open` counts in process
 * memory and `closed` refuses. Outages are logged once when they start and once when they end;
 * each failed call counts in `chopsticks_rate_limiter_backend_errors_total{mode}`, each refusal
 * in `chopsticks_rate_limit_hits_total{type="funhub"}`.
 */
@Injectable()
export class ApiRateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly redis: Redis | null;
  private readonly redisLimiter: RateLimiterRedis | null;
  private readonly memoryLimiter: RateLimiterMemory;
  private readonly authRedisLimiter: RateLimiterRedis | null;
  private readonly authMemoryLimiter: RateLimiterMemory;
  private down = false;

  constructor(
    @Inject(API_RATE_LIMIT_OPTIONS) private readonly options: ApiRateLimitOptions,
    private readonly metrics: ChopsticksMetrics,
  ) {
    const base = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds };
    this.redis = options.redisUrl
      ? new Redis(options.redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: API_RATE_LIMIT_REDIS_TIMEOUT_MS,
          connectTimeout: 2000,
          connectionName: 'chopsticks-funhub-ratelimit',
        })
      : null;
    // Connection errors surface through the calls that hit them (logged once per outage).
    this.redis?.on('error', () => undefined);
    this.redisLimiter = this.redis
      ? new RateLimiterRedis({ ...base, storeClient: this.redis, rejectIfRedisNotReady: true })
      : null;
    this.memoryLimiter = new RateLimiterMemory(base);
    const auth = {
      keyPrefix: `${options.keyPrefix}:auth-failures`,
      points: options.authFailureLimit,
      duration: AUTH_FAILURE_WINDOW_SECONDS,
    };
    this.authRedisLimiter = this.redis
      ? new RateLimiterRedis({ ...auth, storeClient: this.redis, rejectIfRedisNotReady: true })
      : null;
    this.authMemoryLimiter = new RateLimiterMemory(auth);
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) {
      this.logger.log('API rate limits count in process memory (REDIS_URL is unset).');
      return;
    }
    this.logger.log(
      `API rate limits count in Redis at ${redactUrl(this.options.redisUrl ?? '')} (down mode: ${this.options.redisDownMode}).`,
    );
    try {
      await this.redis.connect();
    } catch (error) {
      this.outage(error, false);
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect(false);
  }

  /**
   * Spends one request of `keyId`'s budget.
   * @param keyId the API key's non-secret id (never the key itself)
   */
  async consume(keyId: string): Promise<ApiRateDecision> {
    if (this.redisLimiter) {
      try {
        const res = await this.redisLimiter.consume(keyId);
        this.recovered();
        return this.decision(true, res);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          this.recovered();
          return this.refused(error);
        }
        this.outage(error, true);
        if (this.options.redisDownMode === 'closed') return { allowed: false, unavailable: true };
      }
    }
    try {
      return this.decision(true, await this.memoryLimiter.consume(keyId));
    } catch (error) {
      if (error instanceof RateLimiterRes) return this.refused(error);
      throw error;
    }
  }

  /**
   * Whether a client address has used up its wrong-key budget (`authFailureLimit` per minute).
   * Redis unreachable: the in-process count answers (whatever the down mode), so a brute force
   * is still slowed down.
   * @param address the client address (`request.ip`)
   * @returns seconds until it may try again (`Retry-After`), or null when it may try now
   */
  async authBlockedFor(address: string): Promise<number | null> {
    const res = await this.withAuthLimiter((limiter) => limiter.get(address));
    if (res === null || res.consumedPoints <= this.options.authFailureLimit) return null;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  /**
   * Counts one request with a wrong key from a client address.
   * @param address the client address (`request.ip`)
   * @returns seconds until it may try again when this failure went over the limit, else null
   */
  async recordAuthFailure(address: string): Promise<number | null> {
    try {
      await this.withAuthLimiter((limiter) => limiter.consume(address));
      return null;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.metrics.rateLimitHits.inc({ type: 'funhub' });
      return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    }
  }

  /** Runs `call` on the Redis auth limiter, or in process memory when there is none or it fails. */
  private async withAuthLimiter<T>(
    call: (limiter: RateLimiterRedis | RateLimiterMemory) => Promise<T>,
  ): Promise<T> {
    if (this.authRedisLimiter) {
      try {
        const result = await call(this.authRedisLimiter);
        this.recovered();
        return result;
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          this.recovered();
          throw error;
        }
        this.outage(error, true);
      }
    }
    return call(this.authMemoryLimiter);
  }

  private refused(res: RateLimiterRes): ApiRateDecision {
    this.metrics.rateLimitHits.inc({ type: 'funhub' });
    return this.decision(false, res);
  }

  private decision(allowed: boolean, res: RateLimiterRes): ApiRateDecision {
    return {
      allowed,
      limit: this.options.points,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(allowed ? 0 : 1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }

  private outage(error: unknown, count: boolean): void {
    if (count) this.metrics.rateLimiterBackendErrors.inc({ mode: `fail-${this.options.redisDownMode}` });
    if (this.down) return;
    this.down = true;
    const effect =
      this.options.redisDownMode === 'open'
        ? 'requests are limited per process in memory'
        : 'API requests are refused with 503';
    this.logger.warn(
      `Redis for the API rate limits is unavailable (${error instanceof Error ? error.message : String(error)}); ${effect} until it is back.`,
    );
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Redis for the API rate limits is back; limits are shared again.');
  }
}
