import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { RedisHealthIndicator } from '@app/lifecycle';
import { ControllerApiHealthIndicator } from './controller-api.health';
import { REDIS_HEALTH } from './health.constants';
import { HealthController } from './health.controller';
import { DashboardReadiness } from './readiness.service';

/**
 * Liveness (`/health`) and readiness (`/readyz`) of the Dashboard; Redis is probed when the
 * global `ConfigService` has `REDIS_URL`; the controller admin API is reported. Needs the global
 * `MetricsModule`.
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [
    DashboardReadiness,
    ControllerApiHealthIndicator,
    {
      provide: REDIS_HEALTH,
      inject: [HealthIndicatorService, ConfigService],
      useFactory: (indicators: HealthIndicatorService, config: ConfigService) =>
        new RedisHealthIndicator(indicators, config.get<string>('REDIS_URL') || undefined),
    },
  ],
})
export class HealthModule {}
