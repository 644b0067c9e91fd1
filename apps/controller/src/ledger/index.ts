/** Public surface of the controller's lease-ledger feature. */
export { SessionLedgerModule, type SessionLedgerModuleOptions } from './session-ledger.module';
export { SessionLedgerRecorder } from './session-ledger.recorder';
