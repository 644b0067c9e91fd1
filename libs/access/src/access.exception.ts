/** Machine-readable reasons an access operation was refused. */
export enum AccessExceptionCode {
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  InvalidInput = 'INVALID_INPUT',
}

/** Domain error of the access context (audit log, API keys); messages never contain secrets. */
export class AccessException extends Error {
  constructor(
    readonly code: AccessExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessException';
  }
}
