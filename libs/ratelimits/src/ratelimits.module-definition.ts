import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RateLimitsModuleOptions } from './ratelimits.config';

export const {
  ConfigurableModuleClass: RateLimitsConfigurableModule,
  MODULE_OPTIONS_TOKEN: RATE_LIMITS_OPTIONS,
} = new ConfigurableModuleBuilder<RateLimitsModuleOptions>({ moduleName: 'RateLimits' })
  .setClassMethodName('forRoot')
  .build();
