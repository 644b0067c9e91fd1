import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { RedisHealthIndicator } from '@app/lifecycle';
import { REDIS_HEALTH } from './health.constants';
import { HealthController } from './health.controller';
import { FunhubReadiness } from './readiness.service';

/**
 * Liveness (`/health`) and readiness (`/readyz`) of the FunHub; Redis is probed when the
 * global `ConfigService` has `REDIS_URL`. Needs the global `MetricsModule`. Readiness is also probed in the background so
 * `chopsticks_dependency_up` follows Redis without `/readyz` calls.
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [
    FunhubReadiness,
    {
      provide: REDIS_HEALTH,
      inject: [HealthIndicatorService, ConfigService],
      useFactory: (indicators: HealthIndicatorService, config: ConfigService) =>
        new RedisHealthIndicator(indicators, config.get<string>('REDIS_URL') || undefined),
    },
  ],
})
export class HealthModule {}
