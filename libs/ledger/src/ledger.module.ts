import { Module } from '@nestjs/common';
import { LedgerQuery } from './ledger-query';
import { LedgerWriter } from './ledger-writer';
import { LedgerConfigurableModule } from './ledger.module-definition';

/**
 * The lease ledger: {@link LedgerWriter} (batched, off-the-hot-path writes of allocations,
 * releases and failovers into `session_ledger`) and {@link LedgerQuery} (pages by guild and time).
 * Needs TypeORM's `DataSource` (global, from `PoolsModule.forRootAsync`) and `ChopsticksMetrics`
 * (global, from `MetricsModule`). Apps use
 * `LedgerModule.forRootAsync({ useFactory: () => ledgerOptionsFromEnv(config) })`.
 */
@Module({
  providers: [LedgerWriter, LedgerQuery],
  exports: [LedgerWriter, LedgerQuery],
})
export class LedgerModule extends LedgerConfigurableModule {}
