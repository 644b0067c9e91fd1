/** Machine-readable reasons the admin API itself refused a request (transport-level). */
export enum AdminApiErrorCode {
  /** No `Authorization: Bearer` header, or the key is unknown, revoked or expired. */
  Unauthenticated = 'UNAUTHENTICATED',
  /** The key is valid but lacks the scope the route requires. */
  InsufficientScope = 'INSUFFICIENT_SCOPE',
  /**
   * The key is bound to a guild or pool and this route is not about that guild or pool (e.g.
   * runners, API keys, creating pools). Objects of another guild or pool answer NOT_FOUND instead.
   */
  OutsideKeyBinding = 'OUTSIDE_KEY_BINDING',
  /** The key (or client address, for failed logins) exceeded its request budget. */
  RateLimited = 'RATE_LIMITED',
  /** The body, query or path failed validation. */
  ValidationFailed = 'VALIDATION_FAILED',
  /** The request body is not valid JSON. */
  InvalidJson = 'INVALID_JSON',
  /** The request body is not `application/json`. */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** The request body is larger than the admin API accepts. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** No such route, or the object is outside what the key may see. */
  NotFound = 'NOT_FOUND',
  /** The pagination cursor is malformed or from another listing. */
  InvalidCursor = 'INVALID_CURSOR',
  /** Discord rejected the bot token being registered (or could not be reached). */
  TokenRejected = 'TOKEN_REJECTED',
  /** A route without a declared scope (a programming error; refused, never served). */
  RouteWithoutScope = 'ROUTE_WITHOUT_SCOPE',
}

/**
 * Error of the admin API transport (authentication, scopes, limits, validation). Domain errors of
 * the libs (`PoolsException`, `AccessException`, …) are mapped by the problem-details filter too.
 */
export class AdminApiException extends Error {
  constructor(
    readonly code: AdminApiErrorCode,
    message: string,
    /** Seconds until a throttled client may retry (`Retry-After`). */
    readonly retryAfterSeconds?: number,
    /** Per-field validation messages. */
    readonly errors?: { field: string; messages: string[] }[],
  ) {
    super(message);
    this.name = 'AdminApiException';
  }
}
