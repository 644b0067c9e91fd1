/** Why a dashboard request failed; the web filter maps each to a status and an HTML page. */
export enum DashboardExceptionCode {
  /** No logged-in session: redirect to /login (401 for SSE and form posts). */
  Unauthenticated = 'UNAUTHENTICATED',
  /** Logged in, but not allowed to see this guild or page (H5). */
  Forbidden = 'FORBIDDEN',
  /** The OAuth2 callback failed: state mismatch, denied consent, bad code. */
  LoginFailed = 'LOGIN_FAILED',
  /** Discord login is not configured (no DISCORD_CLIENT_ID / DISCORD_CLIENT_SECRET). */
  LoginNotConfigured = 'LOGIN_NOT_CONFIGURED',
  /** The thing asked for does not exist (or is gone, e.g. a released session). */
  NotFound = 'NOT_FOUND',
  /** Malformed form input. */
  InvalidInput = 'INVALID_INPUT',
  /** The admin API refused the change with a user-facing reason (400/409 problem). */
  Rejected = 'REJECTED',
  /** The controller's admin API is unreachable, misconfigured or answered unexpectedly. */
  ApiUnavailable = 'API_UNAVAILABLE',
}

/** An expected dashboard failure; `message` is a user-facing sentence (never a secret). */
export class DashboardException extends Error {
  constructor(
    readonly code: DashboardExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'DashboardException';
  }
}
