import { Module } from '@nestjs/common';
import { ChopsticksMetrics, defaultExposition } from './chopsticks-metrics';
import {
  APP_METRICS_REGISTRY,
  METRICS_HTTP_OPTIONS,
  PROCESS_METRICS_REGISTRY,
  type MetricsHttpOptions,
} from './metrics.constants';
import {
  METRICS_MODULE_OPTIONS,
  MetricsConfigurableModule,
  type MetricsModuleOptions,
} from './metrics.module-definition';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * Metrics for one Nest app. Each import creates its own `ChopsticksMetrics` (and registries)
 * through a provider, so two apps in one process never share or collide (B22).
 *
 * ```ts
 * MetricsModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ app: 'controller', token: config.get('METRICS_TOKEN') }),
 * })
 * ```
 * Extras (beside `useFactory`): `http` (mount the routes, default true), `global` (default true).
 * Exports `ChopsticksMetrics`, `APP_METRICS_REGISTRY` and `PROCESS_METRICS_REGISTRY`.
 */
@Module({
  providers: [
    {
      provide: ChopsticksMetrics,
      inject: [METRICS_MODULE_OPTIONS],
      useFactory: (options: MetricsModuleOptions) =>
        new ChopsticksMetrics({ app: options.app, defaultMetrics: options.defaultMetrics }),
    },
    {
      provide: METRICS_HTTP_OPTIONS,
      inject: [METRICS_MODULE_OPTIONS],
      useFactory: (options: MetricsModuleOptions): MetricsHttpOptions => ({
        token: options.token === '' ? undefined : options.token,
        exposition: options.exposition ?? defaultExposition(options.app),
      }),
    },
    {
      provide: APP_METRICS_REGISTRY,
      inject: [ChopsticksMetrics],
      useFactory: (m: ChopsticksMetrics) => m.appRegistry,
    },
    {
      provide: PROCESS_METRICS_REGISTRY,
      inject: [ChopsticksMetrics],
      useFactory: (m: ChopsticksMetrics) => m.processRegistry,
    },
    MetricsTokenGuard,
  ],
  exports: [ChopsticksMetrics, APP_METRICS_REGISTRY, PROCESS_METRICS_REGISTRY],
})
export class MetricsModule extends MetricsConfigurableModule {}
