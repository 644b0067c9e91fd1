/** Machine-readable reasons a pools operation was refused. Transports map them exhaustively. */
export enum PoolsExceptionCode {
  PoolExists = 'POOL_EXISTS',
  PoolNotFound = 'POOL_NOT_FOUND',
  PoolAtCapacity = 'POOL_AT_CAPACITY',
  PoolNotEmpty = 'POOL_NOT_EMPTY',
  ContributionCap = 'CONTRIBUTION_CAP',
  ContributionNotFound = 'CONTRIBUTION_NOT_FOUND',
  ContributionDecided = 'CONTRIBUTION_DECIDED',
  AgentExists = 'AGENT_EXISTS',
  AgentNotFound = 'AGENT_NOT_FOUND',
  AgentRevoked = 'AGENT_REVOKED',
  InvalidStatusTransition = 'INVALID_STATUS_TRANSITION',
  MemberNotFound = 'MEMBER_NOT_FOUND',
  Forbidden = 'FORBIDDEN',
  InvalidInput = 'INVALID_INPUT',
  InvalidEncryptionKeys = 'INVALID_ENCRYPTION_KEYS',
  TokenUndecryptable = 'TOKEN_UNDECRYPTABLE',
  RunnerNotFound = 'RUNNER_NOT_FOUND',
  RunnerRevoked = 'RUNNER_REVOKED',
  LeaseNotHeld = 'LEASE_NOT_HELD',
  EmbeddedDatabaseUnavailable = 'EMBEDDED_DATABASE_UNAVAILABLE',
}

/**
 * Domain error of the pools context. The message is a user-facing sentence that never contains
 * a token, key or credential; transports map `code` to HTTP problem+json, WebSocket error frames
 * or Discord replies.
 */
export class PoolsException extends Error {
  constructor(
    readonly code: PoolsExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'PoolsException';
  }
}
