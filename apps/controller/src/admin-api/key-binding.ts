import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { ApiKeyBinding } from '@app/access';
import type { PoolsService } from '@app/pools';
import { ADMIN_API_BINDING } from './admin-api.constants';
import type { AdminApiRequest } from './admin-api.request';

/** The kinds of object an API key can be bound to. */
export type BindingKind = 'guild' | 'pool';

/**
 * How the guard finds the object a route addresses, so it can compare it with the key's binding:
 * a path parameter, query parameter or body field that holds the guild or pool id directly, or
 * (with `via`) an id the guard resolves to one (an agent to its pool, a live session or a deploy
 * job to its guild). `fill` (query only): when the parameter is absent the guard sets it to the
 * bound id, so the listing is filtered to the binding.
 */
export type BindingSource =
  | {
      in: 'param' | 'body';
      name: string;
      via?: BindingResolver;
      /**
       * The route only *uses* this pool (deploys from it): for a key that is also bound to a guild
       * the source is skipped and the handler applies {@link assertPoolUsable} (public pools and
       * the bound pool); a key bound to a pool only must still name its pool.
       */
      use?: boolean;
    }
  | { in: 'query'; name: string; fill?: boolean }
  /** A listing the handler filters itself with `@AdminKeyBinding()` (e.g. pools, audit events). */
  | { in: 'list' };

/** Ids the guard resolves to a guild or pool before comparing. */
export enum BindingResolver {
  /** An agent id → the pool it is registered in. */
  Agent = 'agent',
  /** A live session id → its guild. */
  Session = 'session',
  /** A deploy verification job id (`deploy-<guildId>-<hash>`) → its guild. */
  DeployJob = 'deploy-job',
}

/**
 * Which guild and/or pool a route is about. A route without one is refused to bound keys (403
 * OUTSIDE_KEY_BINDING); a route that declares several sources of a kind must match all of them.
 */
export type AdminRouteBinding = Partial<Record<BindingKind, BindingSource[]>>;

/**
 * Declares where a route finds the guild and/or pool it acts on (OWASP API1, object-level
 * authorization). `ApiKeyGuard` reads it together with the scope: for a key bound to a guild or
 * pool, the addressed guild/pool must be the bound one or the request answers 404 NOT_FOUND (the
 * same as for an object that does not exist, so a bound key learns nothing about other guilds and
 * pools). Unbound keys are not affected.
 */
export function AdminBinding(binding: AdminRouteBinding): MethodDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_API_BINDING, binding),
    ApiExtension('x-key-binding', Object.keys(binding)),
  );
}

/** Handler parameter: the guild/pool binding of the request's API key (both null when unbound). */
export const AdminKeyBinding = createParamDecorator(
  (_: unknown, context: ExecutionContext): ApiKeyBinding => {
    const key = context.switchToHttp().getRequest<AdminApiRequest>().adminApiKey;
    return { guildId: key?.guildId ?? null, poolId: key?.poolId ?? null };
  },
);

/**
 * A pool a request only *uses* (deploys agents from, selects for a guild) rather than addresses:
 * a key bound to a guild may use public pools and the pool it is bound to — what a guild admin
 * who belongs to no pool may use — never other private pools. Unbound keys use any pool.
 * @throws PoolsException POOL_NOT_FOUND (404) for a private pool outside the binding, as for an
 *   unknown pool
 */
export async function assertPoolUsable(
  pools: PoolsService,
  binding: ApiKeyBinding,
  poolId: string,
  actorId: string,
): Promise<void> {
  if (binding.guildId === null || binding.poolId === poolId) return;
  await pools.get(poolId, actorId);
}
