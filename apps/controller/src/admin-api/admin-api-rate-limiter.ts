import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ADMIN_API_OPTIONS, type AdminApiOptions } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/** What a request's limit looks like after it was counted (for `RateLimit-*` headers). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Request budgets of the admin API (rate-limiter-flexible, in the controller's memory — there is
 * one controller process): `rateLimitPoints` requests per key per `rateLimitWindowSeconds`, and
 * `authFailurePoints` failed authentications per client address per window (then 429 until the
 * window ends, so keys cannot be guessed at speed).
 */
@Injectable()
export class AdminApiRateLimiter {
  private readonly perKey: RateLimiterMemory;
  private readonly authFailures: RateLimiterMemory;

  constructor(@Inject(ADMIN_API_OPTIONS) private readonly options: AdminApiOptions) {
    this.perKey = new RateLimiterMemory({
      keyPrefix: 'admin-api-key',
      points: options.rateLimitPoints,
      duration: options.rateLimitWindowSeconds,
    });
    this.authFailures = new RateLimiterMemory({
      keyPrefix: 'admin-api-auth-failure',
      points: options.authFailurePoints,
      duration: options.rateLimitWindowSeconds,
    });
  }

  /** Requests per key per window (`RateLimit-Limit`). */
  get keyLimit(): number {
    return this.options.rateLimitPoints;
  }

  /**
   * Counts one request of an API key.
   * @throws AdminApiException RATE_LIMITED (with `retryAfterSeconds`) when the budget is spent
   */
  async consumeKey(keyId: string): Promise<RateLimitState> {
    try {
      const result = await this.perKey.consume(keyId);
      return this.state(this.options.rateLimitPoints, result);
    } catch (error) {
      throw this.limited(error, 'This API key sent too many requests');
    }
  }

  /** @throws AdminApiException RATE_LIMITED when the address already failed too often */
  async assertAuthAllowed(address: string): Promise<void> {
    const result = await this.authFailures.get(address);
    if (result && result.consumedPoints >= this.options.authFailurePoints)
      throw this.limited(result, 'Too many failed authentications from this address');
  }

  /** Counts one failed authentication of a client address. */
  async recordAuthFailure(address: string): Promise<void> {
    await this.authFailures.penalty(address, 1);
  }

  private state(limit: number, result: RateLimiterRes): RateLimitState {
    return {
      limit,
      remaining: Math.max(result.remainingPoints, 0),
      resetSeconds: Math.ceil(result.msBeforeNext / 1000),
    };
  }

  private limited(error: unknown, what: string): AdminApiException {
    if (!(error instanceof RateLimiterRes)) throw error;
    const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    return new AdminApiException(
      AdminApiErrorCode.RateLimited,
      `${what}; try again in ${retryAfter} s.`,
      retryAfter,
    );
  }
}
