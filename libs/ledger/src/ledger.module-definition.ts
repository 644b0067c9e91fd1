import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LedgerModuleOptions } from './ledger.config';

/** `LedgerModule.forRoot/forRootAsync` built with Nest's ConfigurableModuleBuilder. */
export const {
  ConfigurableModuleClass: LedgerConfigurableModule,
  MODULE_OPTIONS_TOKEN: LEDGER_OPTIONS,
  ASYNC_OPTIONS_TYPE: LEDGER_ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE: LEDGER_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LedgerModuleOptions>({ moduleName: 'Ledger' })
  .setClassMethodName('forRoot')
  .build();
