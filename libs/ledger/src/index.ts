export { LedgerModule } from './ledger.module';
export { LEDGER_OPTIONS } from './ledger.module-definition';
export { ledgerEnvShape, ledgerOptionsFromEnv } from './ledger.config';
export type { LedgerEnv, LedgerModuleOptions } from './ledger.config';
export {
  DEFAULT_LEDGER_BATCH_SIZE,
  DEFAULT_LEDGER_BUFFER_CAPACITY,
  DEFAULT_LEDGER_FLUSH_INTERVAL_MS,
  DEFAULT_LEDGER_PAGE_SIZE,
  LEDGER_KINDS,
  LedgerEvent,
  MAX_LEDGER_PAGE_SIZE,
  SYSTEM_ACTOR,
} from './ledger.constants';
export type { LedgerKind } from './ledger.constants';
export { LedgerException, LedgerExceptionCode } from './ledger.exception';
export { LedgerWriter } from './ledger-writer';
export type { LedgerEntryInput } from './ledger-writer';
export { LedgerQuery, encodeCursor } from './ledger-query';
export type { LedgerEntryView, LedgerListQuery, LedgerPage } from './ledger-query';
export { LEDGER_ENTITIES, SessionLedgerEntry } from './entities';
