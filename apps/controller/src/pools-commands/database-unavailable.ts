import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATEs meaning "the database cannot serve us right now" (PostgreSQL docs, Appendix A):
 * class 08 connection exception, class 57 operator intervention (57P01 admin shutdown when a
 * backend is terminated, 57P03 cannot connect now), 53300 too many connections, 3D000 the
 * database does not exist (dropped), and 55000 when the database refuses connections
 * (`ALLOW_CONNECTIONS false`: "database … is not currently accepting connections").
 */
const UNAVAILABLE_SQLSTATE = /^(08|57)/;
const UNAVAILABLE_SQLSTATES = new Set(['53300', '3D000']);
/** Socket errors of node-postgres while connecting or mid-query. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres errors that carry no code (pg `client.js`, `pg-pool`). */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * True when `error` (a TypeORM `QueryFailedError`, a node-postgres error, or one wrapping it in
 * `cause` / `errors`) means Postgres is unreachable or refusing work, as opposed to a refusal of
 * the statement itself. Used to answer "temporarily unavailable" instead of a generic failure.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof candidate.code === 'string' ? candidate.code : undefined;
  if (code !== undefined) {
    if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SQLSTATES.has(code) || SOCKET_CODES.has(code))
      return true;
  }
  if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGE.test(candidate.message)) return true;
  const nested: unknown[] = [];
  if (error instanceof QueryFailedError) nested.push(error.driverError);
  if (candidate.cause !== undefined) nested.push(candidate.cause);
  if (Array.isArray(candidate.errors)) nested.push(...(candidate.errors as unknown[]));
  return nested.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
