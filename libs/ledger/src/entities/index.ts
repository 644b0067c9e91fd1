import { SessionLedgerEntry } from './session-ledger-entry.entity';

export { SessionLedgerEntry };

/** Every entity of the ledger context, for the app's data source. */
export const LEDGER_ENTITIES = [SessionLedgerEntry];
