import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FunhubErrorCode, FunhubException } from '../catalog/funhub.exception';
import { API_KEY_HEADER, RATE_LIMIT_HEADERS } from './api-access.constants';
import { ApiKeyRing } from './api-keys';
import { ApiRateLimiter } from './api-rate-limiter';

/**
 * Guards `/api/fun/*`: the key must come in the `X-Api-Key` header and be one of
 * `FUNHUB_API_KEYS` (401 otherwise — no other secret is ever accepted instead), then one request
 * of that key's budget is spent. Every limited response carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds; IETF draft-ietf-httpapi-ratelimit-headers);
 * over the limit it is 429 with `Retry-After` (seconds, RFC 9110 §10.2.3); with Redis down in
 * `closed` mode it is 503. Wrong keys count per client address (`FUNHUB_AUTH_FAILURE_LIMIT` per
 * minute, in Redis): beyond that the address gets 429 with `Retry-After` for the rest of the minute,
 * even with a right key, so keys cannot be guessed. Keys in the query string never get here
 * (refused by the query-key hook).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRing,
    @Inject(ApiRateLimiter) private readonly limiter: ApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers[API_KEY_HEADER];
    const presented = Array.isArray(header) ? undefined : header?.trim();
    if (!presented) {
      throw new FunhubException(
        FunhubErrorCode.Unauthenticated,
        'Send your FunHub API key in the X-Api-Key header.',
      );
    }
    const address = request.ip;
    const blockedFor = await this.limiter.authBlockedFor(address);
    if (blockedFor !== null) throw this.tooManyFailures(reply, blockedFor);
    const keyId = this.keys.verify(presented);
    if (keyId === null) {
      const retryAfter = await this.limiter.recordAuthFailure(address);
      if (retryAfter !== null) throw this.tooManyFailures(reply, retryAfter);
      throw new FunhubException(FunhubErrorCode.Unauthenticated, 'The API key in X-Api-Key is not valid.');
    }
    const decision = await this.limiter.consume(keyId);
    if ('unavailable' in decision) {
      void reply.header(RATE_LIMIT_HEADERS.retryAfter, '30');
      throw new FunhubException(
        FunhubErrorCode.LimiterUnavailable,
        'The rate limiter cannot reach its store right now; please retry in a moment.',
      );
    }
    void reply.header(RATE_LIMIT_HEADERS.limit, String(decision.limit));
    void reply.header(RATE_LIMIT_HEADERS.remaining, String(decision.remaining));
    void reply.header(RATE_LIMIT_HEADERS.reset, String(decision.resetSeconds));
    if (!decision.allowed) {
      void reply.header(RATE_LIMIT_HEADERS.retryAfter, String(decision.resetSeconds));
      throw new FunhubException(
        FunhubErrorCode.RateLimited,
        `This API key used its ${decision.limit} requests for this window; retry in ${decision.resetSeconds} s.`,
      );
    }
    return true;
  }

  private tooManyFailures(reply: FastifyReply, retryAfterSeconds: number): FunhubException {
    void reply.header(RATE_LIMIT_HEADERS.retryAfter, String(retryAfterSeconds));
    return new FunhubException(
      FunhubErrorCode.RateLimited,
      `Too many requests with a wrong API key from this address; retry in ${retryAfterSeconds} s.`,
    );
  }
}
