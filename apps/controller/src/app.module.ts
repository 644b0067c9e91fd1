import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggingModule } from '@app/lifecycle';
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
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        LoggingModule.forRoot({ app: 'controller', ...config }),
        PoolsModule.forRoot(poolsOptionsFromEnv(config, 'chopsticks-controller')),
        HealthModule,
      ],
    };
  }
}
