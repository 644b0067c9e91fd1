import type { FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from './logging.module';

/** Base of the RFC 9457 problem `type` URIs of every app; each code appends its kebab-case slug. */
export const PROBLEM_TYPE_BASE = 'https://chopsticks.dev/problems/';

/** Media type of every error response (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** What Fastify's router refuses before any hook, handler or Nest filter runs. */
const FRAMEWORK_PROBLEMS: Record<string, { status: number; code: string; title: string; detail: string }> = {
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'URI_TOO_LONG',
    title: 'URI too long',
    detail: 'A path segment of this URL is longer than the server accepts.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'BAD_URL',
    title: 'Bad URL',
    detail: 'The URL is not valid (for example a malformed percent-encoding).',
  },
};

const FALLBACK = {
  status: 400,
  code: 'BAD_REQUEST',
  title: 'Bad request',
  detail: 'The request cannot be routed.',
};

/**
 * Fastify's `frameworkErrors` hook: the router's own refusals (`FST_ERR_MAX_PARAM_LENGTH` → 414,
 * `FST_ERR_BAD_URL` → 400, anything else → 400) answered as RFC 9457 problem+json with the request
 * id, like every other error of our apps. The URL is never echoed (Fastify's default body does).
 * @param error the Fastify error (`code` `FST_ERR_*`)
 */
export function answerFrameworkError(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const problem = FRAMEWORK_PROBLEMS[error.code ?? ''] ?? FALLBACK;
  void reply
    .code(problem.status)
    .header(REQUEST_ID_HEADER, String(request.id))
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send({
      type: `${PROBLEM_TYPE_BASE}${problem.code.toLowerCase().replaceAll('_', '-')}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      requestId: String(request.id),
    });
}
