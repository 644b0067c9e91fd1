import { DynamicModule, Module } from '@nestjs/common';
import { LifecycleModule } from '@app/lifecycle';
import { MetricsModule } from '@app/metrics';
import type { FunhubConfig } from './config/funhub.config';
import { HealthModule } from './health/health.module';

/** Composition root of the FunHub: wires libs and feature modules, holds no logic. */
@Module({})
export class FunhubAppModule {
  /** @param config validated configuration (see `loadFunhubConfig`) */
  static forRoot(config: FunhubConfig): DynamicModule {
    return {
      module: FunhubAppModule,
      imports: [
        LifecycleModule.forRoot('funhub', config),
        MetricsModule.forRoot({ app: 'funhub', token: config.METRICS_TOKEN }),
        HealthModule,
      ],
    };
  }
}
