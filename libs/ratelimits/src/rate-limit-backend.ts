import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { redactUrl } from '@app/config';
import { ChopsticksMetrics } from '@app/metrics';
import type { RateLimitsModuleOptions, RedisDownMode } from './ratelimits.config';
import { RATE_LIMITS_OPTIONS } from './ratelimits.module-definition';

/** Longest wait for one Redis command before it counts as a backend failure (ms). */
export const RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * The store behind the command throttle and the idempotency guard: one ioredis client (or none
 * when `REDIS_URL` is unset) plus the outage bookkeeping both share.
 *
 * The client never queues commands while disconnected (`enableOfflineQueue: false`), never
 * retries a command (`maxRetriesPerRequest: 0`) and gives up on a command after
 * {@link RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS}, so a Redis outage fails calls at once instead of
 * holding interactions past Discord's 3 s deadline; ioredis keeps reconnecting with its default
 * backoff, so the limiter recovers without a restart. An outage is logged once when the first
 * call fails and once when a call succeeds again; every failed call counts in
 * `chopsticks_rate_limiter_backend_errors_total{mode}`.
 */
@Injectable()
export class RateLimitBackend implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitBackend.name);
  /** The Redis client, or null for in-process stores. */
  readonly redis: Redis | null;
  private down = false;

  constructor(
    @Inject(RATE_LIMITS_OPTIONS) readonly options: RateLimitsModuleOptions,
    private readonly metrics: ChopsticksMetrics,
  ) {
    this.redis = options.redisUrl
      ? new Redis(options.redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS,
          connectTimeout: 2000,
          connectionName: 'chopsticks-ratelimits',
        })
      : null;
    // Connection errors surface through the calls that hit them (logged once per outage).
    this.redis?.on('error', () => undefined);
  }

  /** `open` or `closed`: what callers do when {@link reportFailure} was called. */
  get mode(): RedisDownMode {
    return this.options.redisDownMode;
  }

  /** True between a failed call and the next successful one. */
  get outage(): boolean {
    return this.down;
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) {
      this.logger.log(
        'Command throttle and idempotency use in-process stores (REDIS_URL is unset): limits hold per process only.',
      );
      return;
    }
    this.logger.log(
      `Command throttle and idempotency use Redis at ${redactUrl(this.options.redisUrl ?? '')} (down mode: ${this.mode}).`,
    );
    try {
      await this.redis.connect();
    } catch (error) {
      this.reportFailure(error, false);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect(false);
  }

  /**
   * Records a failed backend call: counts it, and logs the start of an outage once.
   * @param count false for the connection attempt at boot (not a limiter call)
   */
  reportFailure(error: unknown, count = true): void {
    if (count) this.metrics.rateLimiterBackendErrors.inc({ mode: `fail-${this.mode}` });
    if (this.down) return;
    this.down = true;
    const effect =
      this.mode === 'open' ? 'commands continue with per-process in-memory limits' : 'commands are refused';
    this.logger.warn(
      `Redis for the command throttle is unavailable (${describe(error)}); ${effect} until it is back.`,
    );
  }

  /** Records a successful backend call; logs the end of an outage once. */
  reportSuccess(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Redis for the command throttle is back; limits are shared again.');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
