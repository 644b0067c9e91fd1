import { AccessException, AccessExceptionCode } from '@app/access';
import { LedgerException, LedgerExceptionCode } from '@app/ledger';
import { PoolsException, PoolsExceptionCode } from '@app/pools';
import { SessionsErrorCode, SessionsException } from '@app/sessions';
import { DeployException, DeployExceptionCode } from '../deploy';
import { PROBLEM_TYPE_BASE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/**
 * An RFC 9457 problem details object as the admin API sends it (`application/problem+json`).
 * `type` is `https://chopsticks.dev/problems/<slug>` where `<slug>` is the kebab-case `code`;
 * both are stable and documented in the README ("Admin API").
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path. */
  instance: string;
  /** Stable machine-readable code, e.g. `INSUFFICIENT_SCOPE`, `POOL_NOT_FOUND`. */
  code: string;
  /** Correlation id of the request (also the `x-request-id` response header). */
  requestId: string;
  /** Per-field messages of a validation failure. */
  errors?: { field: string; messages: string[] }[];
}

/** Status and code an error maps to; `null` = not a known error (answered as 500). */
export interface ProblemMapping {
  status: number;
  code: string;
}

/** Problem `type` URI of a code: `PROBLEM_TYPE_BASE` + kebab-case code. */
export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Short human title of a code (`POOL_NOT_FOUND` → `Pool not found`). */
export function problemTitle(code: string): string {
  const words = code.toLowerCase().replace(/[_-]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** HTTP status of each admin API transport error. */
export function adminApiStatus(code: AdminApiErrorCode): number {
  switch (code) {
    case AdminApiErrorCode.Unauthenticated:
      return 401;
    case AdminApiErrorCode.InsufficientScope:
    case AdminApiErrorCode.OutsideKeyBinding:
      return 403;
    case AdminApiErrorCode.RateLimited:
      return 429;
    case AdminApiErrorCode.ValidationFailed:
    case AdminApiErrorCode.InvalidCursor:
    case AdminApiErrorCode.InvalidJson:
      return 400;
    case AdminApiErrorCode.UnsupportedMediaType:
      return 415;
    case AdminApiErrorCode.PayloadTooLarge:
      return 413;
    case AdminApiErrorCode.NotFound:
      return 404;
    case AdminApiErrorCode.TokenRejected:
      return 422;
    case AdminApiErrorCode.RouteWithoutScope:
      return 500;
  }
}

/** HTTP status of each pools-context error. */
export function poolsStatus(code: PoolsExceptionCode): number {
  switch (code) {
    case PoolsExceptionCode.PoolNotFound:
    case PoolsExceptionCode.ContributionNotFound:
    case PoolsExceptionCode.AgentNotFound:
    case PoolsExceptionCode.MemberNotFound:
    case PoolsExceptionCode.RunnerNotFound:
      return 404;
    case PoolsExceptionCode.PoolExists:
    case PoolsExceptionCode.PoolAtCapacity:
    case PoolsExceptionCode.PoolNotEmpty:
    case PoolsExceptionCode.ContributionCap:
    case PoolsExceptionCode.ContributionDecided:
    case PoolsExceptionCode.AgentExists:
    case PoolsExceptionCode.AgentRevoked:
    case PoolsExceptionCode.InvalidStatusTransition:
    case PoolsExceptionCode.TokenUndecryptable:
    case PoolsExceptionCode.RunnerRevoked:
    case PoolsExceptionCode.LeaseNotHeld:
      return 409;
    case PoolsExceptionCode.Forbidden:
      return 403;
    case PoolsExceptionCode.InvalidInput:
      return 400;
    case PoolsExceptionCode.InvalidEncryptionKeys:
      return 500;
    case PoolsExceptionCode.EmbeddedDatabaseUnavailable:
      return 503;
  }
}

/** HTTP status of each access-context error. */
export function accessStatus(code: AccessExceptionCode): number {
  switch (code) {
    case AccessExceptionCode.ApiKeyNotFound:
      return 404;
    case AccessExceptionCode.InvalidInput:
      return 400;
  }
}

/** HTTP status of each deploy error. */
export function deployStatus(code: DeployExceptionCode): number {
  switch (code) {
    case DeployExceptionCode.DesiredTotalTooHigh:
    case DeployExceptionCode.InvalidInput:
      return 400;
    case DeployExceptionCode.PoolNotAccessible:
    case DeployExceptionCode.JobNotFound:
      return 404;
    case DeployExceptionCode.VerificationDisabled:
      return 503;
  }
}

/** HTTP status of each sessions-context error. */
export function sessionsStatus(code: SessionsErrorCode): number {
  switch (code) {
    case SessionsErrorCode.AgentBusy:
    case SessionsErrorCode.SessionKeyTaken:
    case SessionsErrorCode.AgentOffline:
      return 409;
    case SessionsErrorCode.InvalidInput:
      return 400;
  }
}

/** HTTP status of each lease-ledger error. */
export function ledgerStatus(code: LedgerExceptionCode): number {
  switch (code) {
    case LedgerExceptionCode.InvalidCursor:
    case LedgerExceptionCode.InvalidInput:
      return 400;
  }
}

/**
 * Maps a known error to its status and stable code; `null` for anything else (a 500 with a
 * generic message, logged with an error id). Never exposes a stack or an internal message.
 */
export function problemMappingOf(error: unknown): ProblemMapping | null {
  if (error instanceof AdminApiException) return { status: adminApiStatus(error.code), code: error.code };
  if (error instanceof PoolsException) return { status: poolsStatus(error.code), code: error.code };
  if (error instanceof AccessException) return { status: accessStatus(error.code), code: error.code };
  if (error instanceof DeployException) return { status: deployStatus(error.code), code: error.code };
  if (error instanceof LedgerException) return { status: ledgerStatus(error.code), code: error.code };
  if (error instanceof SessionsException)
    return { status: sessionsStatus(error.code), code: error.code.toUpperCase().replace(/-/g, '_') };
  return null;
}
