import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MetricsExposition } from './chopsticks-metrics';
import { MetricsController } from './metrics.controller';
import type { MetricsApp } from './metrics.definitions';

/** Options of `MetricsModule.forRoot` / `forRootAsync` (the async factory returns these). */
export interface MetricsModuleOptions {
  /** Which app this is (decides the declared metrics it exposes). */
  app: MetricsApp;
  /**
   * `METRICS_TOKEN`: when set, `/metrics` and `/metrics-app` require `Authorization: Bearer
   * <token>` (401 otherwise). Unset or empty = open.
   */
  token?: string;
  /** HTTP layout; default `split` for the controller, `combined` for the other apps. */
  exposition?: MetricsExposition;
  /** Collect process/runtime metrics; default true. */
  defaultMetrics?: boolean;
}

/** Options fixed when the module is imported (needed before the async factory runs). */
export interface MetricsModuleExtras {
  /** Mount the `/metrics` (and `/metrics-app`) routes; default true. */
  http: boolean;
  /** Make the module global so feature modules can inject `ChopsticksMetrics`; default true. */
  global: boolean;
}

export const {
  ConfigurableModuleClass: MetricsConfigurableModule,
  MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MetricsModuleOptions>({ moduleName: 'Metrics' })
  .setClassMethodName('forRoot')
  .setExtras<MetricsModuleExtras>({ http: true, global: true }, (definition, extras) => ({
    ...definition,
    global: extras.global,
    controllers: extras.http ? [...(definition.controllers ?? []), MetricsController] : [],
  }))
  .build();
