/** Why a FunHub call gave no text. */
export enum FunErrorCode {
  /** `FUNHUB_URL` or `FUNHUB_API_KEY` is unset. */
  NotConfigured = 'not-configured',
  /** Connection refused, timeout, 5xx, or the breaker is open. */
  Unavailable = 'unavailable',
  /** FunHub refused the key (401). */
  KeyRejected = 'key-rejected',
  /** The bot's key is over its FunHub rate limit (429). */
  RateLimited = 'rate-limited',
  /** Any other answer FunHub should not give (4xx, malformed body). */
  BadResponse = 'bad-response',
}

/** A failed FunHub call; `transport` marks failures that count in the circuit breaker. */
export class FunException extends Error {
  constructor(
    readonly code: FunErrorCode,
    message: string,
    /** Seconds to wait, from FunHub's `Retry-After` (rate-limited only). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'FunException';
  }

  /** Counts towards opening the breaker (FunHub unreachable or failing), unlike refusals. */
  get transport(): boolean {
    return this.code === FunErrorCode.Unavailable;
  }
}
