/** Machine-readable reasons a deploy operation was refused. Transports map them exhaustively. */
export enum DeployExceptionCode {
  /** Desired total above {@link MAX_AGENTS_PER_GUILD} (49). */
  DesiredTotalTooHigh = 'DESIRED_TOTAL_TOO_HIGH',
  InvalidInput = 'INVALID_INPUT',
  /** The pool is private and the actor is not one of its members (or it does not exist). */
  PoolNotAccessible = 'POOL_NOT_ACCESSIBLE',
  /** `REDIS_URL` is unset, so no verification queue runs. */
  VerificationDisabled = 'VERIFICATION_DISABLED',
  JobNotFound = 'JOB_NOT_FOUND',
}

/** Domain error of the deploy context; `message` is a user-facing sentence without secrets. */
export class DeployException extends Error {
  constructor(
    readonly code: DeployExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeployException';
  }
}
