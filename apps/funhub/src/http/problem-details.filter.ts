import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FieldErrors, FunhubErrorCode, FunhubException } from '../catalog/funhub.exception';

/** Media type of every FunHub error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Base of the `type` URI: `<base><code>`. */
export const PROBLEM_TYPE_BASE = 'https://chopsticks.dev/problems/';

/** An RFC 9457 problem details body as the FunHub sends it. */
export interface FunhubProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Stable machine-readable code (e.g. `rate-limited`). */
  code: string;
  /** Request path without the query string. */
  instance: string;
  requestId: string;
  errors?: FieldErrors[];
}

/** HTTP status of each FunHub error code. */
export function funhubStatus(code: FunhubErrorCode): number {
  switch (code) {
    case FunhubErrorCode.InvalidRequest:
    case FunhubErrorCode.KeyInQuery:
      return 400;
    case FunhubErrorCode.Unauthenticated:
      return 401;
    case FunhubErrorCode.VariantNotFound:
    case FunhubErrorCode.NoMatchingVariant:
      return 404;
    case FunhubErrorCode.RateLimited:
      return 429;
    case FunhubErrorCode.InvalidData:
      return 500;
    case FunhubErrorCode.LimiterUnavailable:
      return 503;
  }
}

/** Builds a problem body; `instance` is the path only, so a query string never echoes back. */
export function funhubProblem(
  request: Pick<FastifyRequest, 'url' | 'id'>,
  status: number,
  code: string,
  detail: string,
  errors?: FieldErrors[],
): FunhubProblem {
  const words = code.replace(/-/g, ' ');
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: words.charAt(0).toUpperCase() + words.slice(1),
    status,
    detail,
    code,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
    ...(errors ? { errors } : {}),
  };
}

/**
 * Turns every error of the FunHub's HTTP surface into `application/problem+json`:
 * `FunhubException` by code, Nest `HttpException`s (unknown route, bad JSON, too large) by their
 * status, anything else a generic 500 with an error id that is logged with the error.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let problem: FunhubProblem;
    if (exception instanceof FunhubException) {
      problem = funhubProblem(
        request,
        funhubStatus(exception.code),
        exception.code,
        exception.message,
        exception.errors,
      );
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = status === 404 ? 'not-found' : status === 413 ? 'payload-too-large' : `http-${status}`;
      // Nest's 404 message quotes the URL with its query string: never echo it.
      const detail =
        status === 404
          ? `No route matches ${request.method} ${request.url.split('?')[0]}.`
          : httpDetail(exception);
      problem = funhubProblem(request, status, code, detail);
    } else {
      const errorId = randomUUID();
      this.logger.error(
        `unhandled error ${errorId} on ${request.method} ${request.url.split('?')[0]}`,
        exception instanceof Error ? exception.stack : String(exception),
      );
      problem = funhubProblem(
        request,
        500,
        'internal',
        `Something went wrong on our side (error id ${errorId}).`,
      );
    }
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }
}

function httpDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}
