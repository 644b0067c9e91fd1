/** Machine-readable reasons a ledger read was refused. */
export enum LedgerExceptionCode {
  /** The cursor is not one {@link LedgerQuery.list} returned. */
  InvalidCursor = 'INVALID_CURSOR',
  /** A limit or time range outside the allowed values. */
  InvalidInput = 'INVALID_INPUT',
}

/** Domain error of the lease-ledger context. Transports map `code` to their own error shape. */
export class LedgerException extends Error {
  constructor(
    readonly code: LedgerExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerException';
  }
}
