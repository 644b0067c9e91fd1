import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiKeyScope, type ApiKeyView, ApiKeysService, isBound, scopesAllow } from '@app/access';
import { AgentRegistrationsService, PoolsException, PoolsExceptionCode, PoolsService } from '@app/pools';
import { SessionRegistry } from '@app/sessions';
import type { FastifyReply } from 'fastify';
import { AdminApiRateLimiter, type RateLimitState } from './admin-api-rate-limiter';
import { assertSafeInput } from './admin-api.input';
import { ADMIN_API_BINDING, ADMIN_API_SCOPE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import type { AdminApiRequest } from './admin-api.request';
import { type AdminRouteBinding, type BindingKind, BindingResolver, type BindingSource } from './key-binding';

const BINDING_KINDS: readonly BindingKind[] = ['guild', 'pool'];
const DEPLOY_JOB_GUILD = /^deploy-(\d{17,20})-/;

const BEARER = /^Bearer ([\x21-\x7e]{1,200})$/i;

/**
 * Authenticates every admin API request by `Authorization: Bearer <api key>` (keys stored
 * hashed, see `ApiKeysService.verify`) and enforces the scope the route declares with
 * `@AdminRoute(scope)`. A route without a declared scope is refused (fail closed).
 * 401 missing/invalid/expired/revoked key, 403 insufficient scope, 429 over budget.
 *
 * Object-level checks (OWASP API1) for keys bound to a guild and/or pool, from the route's
 * `@AdminBinding`: 403 OUTSIDE_KEY_BINDING when the route is not about any kind of object the key
 * is bound to (runners, API keys, creating pools, ...); 404 NOT_FOUND when it addresses another
 * guild or pool than the bound one — the answer an unknown object gets, so a bound key cannot
 * probe which other guilds, pools, agents or sessions exist. A listing filter by guild or pool is
 * set to the bound id when the query leaves it out.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly limiter: AdminApiRateLimiter,
    private readonly registrations: AgentRegistrationsService,
    private readonly pools: PoolsService,
    private readonly sessions: SessionRegistry,
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
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
    // The key is checked first: failures of other clients behind the same address (a NAT, a
    // proxy, the dashboard's host) never lock out a valid key; only failures are counted.
    const key = presented ? await this.apiKeys.verify(presented) : null;
    if (!key) {
      await this.limiter.assertAuthAllowed(address);
      await this.limiter.recordAuthFailure(address);
      throw new AdminApiException(
        AdminApiErrorCode.Unauthenticated,
        presented
          ? 'The API key is invalid, revoked or expired.'
          : 'Send an API key as "Authorization: Bearer <api key>".',
      );
    }
    await this.assertBoundPoolExists(key);
    let state: RateLimitState;
    try {
      state = await this.limiter.consumeKey(key.id);
    } catch (error) {
      if (error instanceof AdminApiException && error.code === AdminApiErrorCode.RateLimited)
        setRateLimitHeaders(reply, {
          limit: this.limiter.keyLimit,
          remaining: 0,
          resetSeconds: error.retryAfterSeconds ?? 1,
        });
      throw error;
    }
    setRateLimitHeaders(reply, state);
    assertSafeInput(request);
    if (!scopesAllow(key.scopes, required)) {
      throw new AdminApiException(
        AdminApiErrorCode.InsufficientScope,
        `This route needs the ${required} scope; the key has ${key.scopes.join(', ')}.`,
      );
    }
    if (isBound(key)) {
      const binding = this.reflector.getAllAndOverride<AdminRouteBinding | undefined>(ADMIN_API_BINDING, [
        context.getHandler(),
        context.getClass(),
      ]);
      await this.assertWithinBinding(key, binding ?? {}, request);
    }
    request.adminApiKey = key;
    return true;
  }

  /**
   * A key bound to a pool stops working when the pool is deleted (its binding names nothing).
   * @throws AdminApiException UNAUTHENTICATED
   */
  private async assertBoundPoolExists(key: ApiKeyView): Promise<void> {
    if (key.poolId === null) return;
    try {
      await this.pools.get(key.poolId);
    } catch (error) {
      if (error instanceof PoolsException && error.code === PoolsExceptionCode.PoolNotFound)
        throw new AdminApiException(
          AdminApiErrorCode.Unauthenticated,
          'The API key is bound to a pool that no longer exists.',
        );
      throw error;
    }
  }

  /** @throws AdminApiException OUTSIDE_KEY_BINDING, NOT_FOUND */
  private async assertWithinBinding(
    key: ApiKeyView,
    binding: AdminRouteBinding,
    request: AdminApiRequest,
  ): Promise<void> {
    const sourcesOf = (kind: BindingKind): BindingSource[] =>
      // A pool the route only uses is checked by `assertPoolUsable` when the key is guild-bound.
      (binding[kind] ?? []).filter((source) => !(key.guildId !== null && 'use' in source && source.use));
    const kinds = BINDING_KINDS.filter((kind) => boundId(key, kind) !== null && sourcesOf(kind).length > 0);
    if (kinds.length === 0) {
      throw new AdminApiException(
        AdminApiErrorCode.OutsideKeyBinding,
        `This key is bound to ${describeBinding(key)}; this route is not about it.`,
      );
    }
    for (const kind of kinds) {
      const bound = boundId(key, kind) as string;
      for (const source of sourcesOf(kind)) {
        const addressed = await this.addressed(source, bound, request);
        if (addressed !== bound)
          throw new AdminApiException(AdminApiErrorCode.NotFound, `No such ${kind} for this key.`);
      }
    }
  }

  /** The guild or pool id a source addresses (`bound` when it is a listing or filled in). */
  private async addressed(
    source: BindingSource,
    bound: string,
    request: AdminApiRequest,
  ): Promise<string | undefined> {
    if (source.in === 'list') return bound;
    if (source.in === 'query') {
      const query = (request.query ?? {}) as Record<string, unknown>;
      if (query[source.name] === undefined && source.fill) {
        query[source.name] = bound;
        return bound;
      }
      return stringOrUndefined(query[source.name]);
    }
    const holder = (source.in === 'param' ? request.params : request.body) as
      | Record<string, unknown>
      | undefined;
    const value = stringOrUndefined(holder?.[source.name]);
    if (value === undefined || source.via === undefined) return value;
    return this.resolve(source.via, value);
  }

  private async resolve(via: BindingResolver, id: string): Promise<string | undefined> {
    switch (via) {
      case BindingResolver.Agent:
        try {
          return (await this.registrations.get(id)).poolId;
        } catch (error) {
          if (error instanceof PoolsException && error.code === PoolsExceptionCode.AgentNotFound)
            return undefined;
          throw error;
        }
      case BindingResolver.Session:
        return this.sessions.getById(id)?.guildId;
      case BindingResolver.DeployJob:
        return DEPLOY_JOB_GUILD.exec(id)?.[1];
    }
  }
}

/** `RateLimit-*` headers of a per-key budget (on successful and throttled answers alike). */
function setRateLimitHeaders(reply: FastifyReply, state: RateLimitState): void {
  void reply.header('ratelimit-limit', String(state.limit));
  void reply.header('ratelimit-remaining', String(state.remaining));
  void reply.header('ratelimit-reset', String(state.resetSeconds));
}

function boundId(key: ApiKeyView, kind: BindingKind): string | null {
  return kind === 'guild' ? key.guildId : key.poolId;
}

function describeBinding(key: ApiKeyView): string {
  return [key.guildId && `guild ${key.guildId}`, key.poolId && `pool ${key.poolId}`]
    .filter(Boolean)
    .join(' and ');
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
