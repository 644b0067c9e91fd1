/** Failure codes of the FunHub (mapped to problem+json by `ProblemDetailsFilter`). */
export enum FunhubErrorCode {
  /** Query or body failed validation (per-field messages in `errors`). */
  InvalidRequest = 'invalid-request',
  /** A data file is missing, unreadable or invalid (boot). */
  InvalidData = 'invalid-data',
  /** No variant with the requested id. */
  VariantNotFound = 'variant-not-found',
  /** No variant matches the category/intensity filter. */
  NoMatchingVariant = 'no-matching-variant',
  /** No `X-Api-Key` header, or a key that is not configured. */
  Unauthenticated = 'unauthenticated',
  /** An API key in the query string (refused so it never lands in logs or caches). */
  KeyInQuery = 'api-key-in-query',
  /** The key's rate limit is spent for this window. */
  RateLimited = 'rate-limited',
  /** Redis is down and the limiter runs fail-closed. */
  LimiterUnavailable = 'rate-limiter-unavailable',
}

/** One field's validation messages. */
export interface FieldErrors {
  field: string;
  messages: string[];
}

/**
 * An expected FunHub failure. The message is safe for API clients (never contains a key) and
 * becomes the `detail` of the problem+json response; `errors` lists per-field messages.
 */
export class FunhubException extends Error {
  constructor(
    readonly code: FunhubErrorCode,
    message: string,
    readonly errors?: FieldErrors[],
  ) {
    super(message);
    this.name = 'FunhubException';
  }
}
