import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import { ADMIN_API_PREFIX, PROBLEM_CONTENT_TYPE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import { type ProblemDetails, problemMappingOf, problemTitle, problemType } from './problem-details';

const HTTP_CODES: Readonly<Record<number, string>> = {
  // Nest pipes (ParseUUIDPipe, ...) and Fastify's 400s other than unparsable JSON.
  400: AdminApiErrorCode.ValidationFailed,
  401: AdminApiErrorCode.Unauthenticated,
  403: 'FORBIDDEN',
  404: AdminApiErrorCode.NotFound,
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: AdminApiErrorCode.PayloadTooLarge,
  415: AdminApiErrorCode.UnsupportedMediaType,
  429: AdminApiErrorCode.RateLimited,
};

/** True when `url` addresses the admin API (`/api/v1` or below). */
export function isAdminApiUrl(url: string): boolean {
  const path = url.split('?')[0];
  return path === `/${ADMIN_API_PREFIX}` || path.startsWith(`/${ADMIN_API_PREFIX}/`);
}

/**
 * Global filter (`APP_FILTER`: unknown `/api/v1` routes and unparsable bodies reach only global
 * filters) that answers every error of an admin API request as RFC 9457
 * `application/problem+json` with a stable `type`/`code` (see `problem-details.ts`); other routes
 * keep Nest's default handling. Unknown errors become a 500 with a generic detail and an error id
 * that is logged with the error — the message or stack never reaches the client.
 */
@Catch()
export class ProblemDetailsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  override catch(exception: unknown, host: ArgumentsHost): void {
    // Global filters also see errors of other transports (necord interactions): rethrowing is
    // exactly what Nest does when no filter matches, so their own handling stays unchanged.
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest | undefined>();
    const reply = http.getResponse<FastifyReply | undefined>();
    if (!request || !reply || !isAdminApiUrl(request.url ?? '')) {
      super.catch(exception, host);
      return;
    }
    const problem = this.toProblem(exception, request);
    if (exception instanceof AdminApiException && exception.retryAfterSeconds !== undefined)
      void reply.header('retry-after', String(exception.retryAfterSeconds));
    if (problem.status === 401) void reply.header('www-authenticate', 'Bearer realm="chopsticks-admin-api"');
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDetails {
    const base = { instance: request.url.split('?')[0], requestId: String(request.id) };
    const mapped = problemMappingOf(exception);
    if (mapped) {
      return {
        type: problemType(mapped.code),
        title: problemTitle(mapped.code),
        status: mapped.status,
        detail: (exception as Error).message,
        code: mapped.code,
        ...base,
        ...(exception instanceof AdminApiException && exception.errors ? { errors: exception.errors } : {}),
      };
    }
    const status = httpStatusOf(exception);
    if (status !== null && status < 500) {
      const code = isJsonSyntaxError(exception)
        ? AdminApiErrorCode.InvalidJson
        : (HTTP_CODES[status] ?? AdminApiErrorCode.ValidationFailed);
      return {
        type: problemType(code),
        title: problemTitle(code),
        status,
        detail: clientMessage(exception, status),
        code,
        ...base,
      };
    }
    const errorId = randomUUID();
    this.logger.error(
      `admin API ${request.method} ${base.instance} failed (error id ${errorId}): ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    return {
      type: problemType('INTERNAL_ERROR'),
      title: problemTitle('INTERNAL_ERROR'),
      status: 500,
      detail: `An unexpected error occurred (error id ${errorId}).`,
      code: 'INTERNAL_ERROR',
      ...base,
    };
  }
}

/** Status of a Nest `HttpException` or a Fastify error (`statusCode`); null otherwise. */
function httpStatusOf(exception: unknown): number | null {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : null;
}

/** Messages of Fastify's JSON parser errors (Nest re-raises them as `HttpException`s without the code). */
const JSON_PARSE_MESSAGES = new Set([
  new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY().message,
  new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY().message,
]);

/** Fastify's default JSON parser failing on the body (invalid or empty JSON). */
function isJsonSyntaxError(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  return (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    (exception instanceof Error && JSON_PARSE_MESSAGES.has(exception.message))
  );
}

/** A client-safe sentence for a 4xx raised by Nest or Fastify (their messages hold no secrets). */
function clientMessage(exception: unknown, status: number): string {
  if (status === 404) return 'No such route or resource.';
  if (status === 413) return 'The request body is too large.';
  return exception instanceof Error ? exception.message : 'The request was not understood.';
}
