import { ConfigurableModuleBuilder } from '@nestjs/common';
import { PoolsModuleOptions } from './pools.config';

/** `PoolsModule.forRoot/forRootAsync` built with Nest's ConfigurableModuleBuilder. */
export const {
  ConfigurableModuleClass: PoolsConfigurableModule,
  MODULE_OPTIONS_TOKEN: POOLS_OPTIONS,
  ASYNC_OPTIONS_TYPE: POOLS_ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE: POOLS_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PoolsModuleOptions>().setClassMethodName('forRoot').build();
