import { type DynamicModule, Module } from '@nestjs/common';
import { LedgerModule, type LedgerModuleOptions } from '@app/ledger';
import { SessionLedgerRecorder } from './session-ledger.recorder';

/** Options of {@link SessionLedgerModule.forRoot}. */
export interface SessionLedgerModuleOptions {
  /** The app's configured `AgentGatewayModule` instance (provides `SessionRegistry`). */
  agentGateway: DynamicModule;
  /** The app's `SessionRecoveryModule` instance (provides `SessionFailoverService`). */
  sessionRecovery: DynamicModule;
  /** Batching and buffer of the writer (`ledgerOptionsFromEnv`). */
  ledger: LedgerModuleOptions;
}

/**
 * The controller's lease ledger (issue 5): {@link SessionLedgerRecorder} turns allocations,
 * releases and failovers into `session_ledger` rows through the `@app/ledger` writer. Re-exports
 * the configured `LedgerModule` so the admin API and dashboard feeds can inject `LedgerQuery`.
 * Needs the global `DataSource` (PoolsModule) and `ChopsticksMetrics`.
 */
@Module({})
export class SessionLedgerModule {
  static forRoot(options: SessionLedgerModuleOptions): DynamicModule {
    const ledger = LedgerModule.forRoot(options.ledger);
    return {
      module: SessionLedgerModule,
      imports: [options.agentGateway, options.sessionRecovery, ledger],
      providers: [SessionLedgerRecorder],
      exports: [ledger],
    };
  }
}
