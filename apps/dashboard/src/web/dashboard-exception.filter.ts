import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import { html } from './html';
import { layout } from './layout';

/** HTTP status of each dashboard failure. */
export function dashboardStatus(code: DashboardExceptionCode): number {
  switch (code) {
    case DashboardExceptionCode.Unauthenticated:
      return 401;
    case DashboardExceptionCode.Forbidden:
      return 403;
    case DashboardExceptionCode.LoginFailed:
    case DashboardExceptionCode.InvalidInput:
      return 400;
    case DashboardExceptionCode.Rejected:
      return 409;
    case DashboardExceptionCode.NotFound:
      return 404;
    case DashboardExceptionCode.LoginNotConfigured:
      return 503;
    case DashboardExceptionCode.ApiUnavailable:
      return 502;
  }
}

const TITLES: Record<number, string> = {
  400: 'Something is wrong with that request',
  401: 'Please log in',
  403: 'Access denied',
  404: 'Not found',
  409: 'That did not work',
  502: 'The controller is not answering',
  503: 'Login is not configured',
};

/**
 * Turns every error of a dashboard request into an HTML page with the right status: a
 * {@link DashboardException} by its code (an anonymous GET is redirected to `/login`), a CSRF
 * failure (`FST_CSRF_*`) as 403, Nest HTTP errors by their status, anything else as 500 with an
 * error id that is logged (never the error itself on the page).
 */
@Catch()
export class DashboardExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(DashboardExceptionFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent) return;
    let status = 500;
    let message = 'Something went wrong on our side.';
    if (error instanceof DashboardException) {
      if (error.code === DashboardExceptionCode.Unauthenticated && request.method === 'GET') {
        void reply.redirect('/login', 302);
        return;
      }
      status = dashboardStatus(error.code);
      message = error.message;
    } else if (isCsrfError(error)) {
      status = 403;
      message = 'This form expired or did not come from this dashboard. Reload the page and try again.';
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      message = status === 404 ? 'There is no page here.' : error.message;
    } else {
      const errorId = randomUUID();
      this.logger.error(`unhandled error ${errorId} on ${request.method} ${request.url}: ${String(error)}`);
      message = `Something went wrong on our side (error id ${errorId}).`;
    }
    const body = layout({
      title: TITLES[status] ?? 'Error',
      body: html`<p class="error" role="alert">${message}</p>
        <p><a href="/">Back to the overview</a></p>`,
    });
    void reply.status(status).type('text/html; charset=utf-8').send(body.toString());
  }
}

function isCsrfError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('FST_CSRF_')
  );
}
