import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggingModule } from '@app/lifecycle';
import type { DashboardConfig } from './config/dashboard.config';
import { HealthModule } from './health/health.module';

/** Composition root of the dashboard: wires libs and feature modules, holds no logic. */
@Module({})
export class DashboardAppModule {
  /** @param config validated configuration (see `loadDashboardConfig`) */
  static forRoot(config: DashboardConfig): DynamicModule {
    return {
      module: DashboardAppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        LoggingModule.forRoot({ app: 'dashboard', ...config }),
        HealthModule,
      ],
    };
  }
}
