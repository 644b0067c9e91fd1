import { DynamicModule, Module } from '@nestjs/common';
import { LifecycleModule } from '@app/lifecycle';
import { MetricsModule } from '@app/metrics';
import type { DashboardConfig } from './config/dashboard.config';
import { HealthModule } from './health/health.module';
import { DashboardWebModule } from './web/dashboard-web.module';

/** Composition root of the dashboard: wires libs and feature modules, holds no logic. */
@Module({})
export class DashboardAppModule {
  /** @param config validated configuration (see `loadDashboardConfig`) */
  static forRoot(config: DashboardConfig): DynamicModule {
    return {
      module: DashboardAppModule,
      imports: [
        LifecycleModule.forRoot('dashboard', config),
        MetricsModule.forRoot({ app: 'dashboard', token: config.METRICS_TOKEN }),
        HealthModule,
        DashboardWebModule.forRoot(config),
      ],
    };
  }
}
