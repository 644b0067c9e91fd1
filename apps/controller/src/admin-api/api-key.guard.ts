import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiKeyScope, ApiKeysService, scopesAllow } from '@app/access';
import type { FastifyReply } from 'fastify';
import { AdminApiRateLimiter } from './admin-api-rate-limiter';
import { ADMIN_API_SCOPE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import type { AdminApiRequest } from './admin-api.request';

const BEARER = /^Bearer ([^\s]{1,200})$/i;

/**
 * Authenticates every admin API request by `Authorization: Bearer <api key>` (keys stored
 * hashed, see `ApiKeysService.verify`) and enforces the scope the route declares with
 * `@AdminRoute(scope)`. A route without a declared scope is refused (fail closed).
 * 401 missing/invalid/expired/revoked key, 403 insufficient scope, 429 over budget.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly limiter: AdminApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(ADMIN_API_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required)
      throw new AdminApiException(AdminApiErrorCode.RouteWithoutScope, 'This route declares no scope.');
    const http = context.switchToHttp();
    const request = http.getRequest<AdminApiRequest>();
    const reply = http.getResponse<FastifyReply>();
    const address = request.ip;
    await this.limiter.assertAuthAllowed(address);
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
    if (!presented) {
      await this.limiter.recordAuthFailure(address);
      throw new AdminApiException(
        AdminApiErrorCode.Unauthenticated,
        'Send an API key as "Authorization: Bearer <api key>".',
      );
    }
    const key = await this.apiKeys.verify(presented);
    if (!key) {
      await this.limiter.recordAuthFailure(address);
      throw new AdminApiException(
        AdminApiErrorCode.Unauthenticated,
        'The API key is invalid, revoked or expired.',
      );
    }
    const state = await this.limiter.consumeKey(key.id);
    void reply.header('ratelimit-limit', String(state.limit));
    void reply.header('ratelimit-remaining', String(state.remaining));
    void reply.header('ratelimit-reset', String(state.resetSeconds));
    if (!scopesAllow(key.scopes, required)) {
      throw new AdminApiException(
        AdminApiErrorCode.InsufficientScope,
        `This route needs the ${required} scope; the key has ${key.scopes.join(', ')}.`,
      );
    }
    request.adminApiKey = key;
    return true;
  }
}
