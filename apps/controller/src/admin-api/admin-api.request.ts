import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiKeyView } from '@app/access';
import type { Actor } from '@app/pools';
import type { FastifyRequest } from 'fastify';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/** A Fastify request the {@link ApiKeyGuard} has authenticated. */
export type AdminApiRequest = FastifyRequest & { adminApiKey?: ApiKeyView };

/**
 * Actor id of an API key in audit events and the lease ledger: `api-key:<prefix>` — the key's
 * unique public id (shown in its masked form `cs_<prefix>_****`); 16 characters, so it fits every
 * actor column (the ledger's is 32).
 */
export function apiKeyActorId(key: Pick<ApiKeyView, 'prefix'>): string {
  return `api-key:${key.prefix}`;
}

/** The operator {@link Actor} of an authenticated admin API request (key id + request id). */
export function actorOf(request: AdminApiRequest): Actor {
  if (!request.adminApiKey)
    throw new AdminApiException(AdminApiErrorCode.Unauthenticated, 'The request is not authenticated.');
  return { id: apiKeyActorId(request.adminApiKey), operator: true, requestId: String(request.id) };
}

/** Handler parameter: the {@link Actor} of the request, for services and audit events. */
export const AdminActor = createParamDecorator(
  (_: unknown, context: ExecutionContext): Actor =>
    actorOf(context.switchToHttp().getRequest<AdminApiRequest>()),
);
