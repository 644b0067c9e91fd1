import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { LifecycleConfig } from './lifecycle.config';
import { LoggingModule } from './logging.module';

/**
 * What every Chopsticks app module imports first: its validated configuration as a global
 * `ConfigService` (read only from the given object — never from `process.env` or a `.env` file,
 * so several apps can boot in one process with different settings) and structured logging.
 */
@Module({})
export class LifecycleModule {
  /**
   * @param app app name written on every log line (`controller`, `agents`, `dashboard`, `funhub`)
   * @param config the app's validated configuration (from its `load<App>Config`)
   */
  static forRoot(app: string, config: LifecycleConfig & Record<string, unknown>): DynamicModule {
    return {
      module: LifecycleModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        LoggingModule.forRoot({ app, ...config }),
      ],
      exports: [ConfigModule, LoggingModule],
    };
  }
}
