import { DynamicModule, Module } from '@nestjs/common';
import { LifecycleModule } from '@app/lifecycle';
import { PoolsModule, poolsOptionsFromEnv } from '@app/pools';
import type { ControllerConfig } from './config/controller.config';
import { HealthModule } from './health/health.module';

/** Composition root of the controller: wires libs and feature modules, holds no logic. */
@Module({})
export class ControllerAppModule {
  /** @param config validated configuration (see `loadControllerConfig`) */
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: ControllerAppModule,
      imports: [
        LifecycleModule.forRoot('controller', config),
        PoolsModule.forRoot(poolsOptionsFromEnv(config, 'chopsticks-controller')),
        HealthModule,
      ],
    };
  }
}
