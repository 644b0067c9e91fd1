import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { PostgresHealthIndicator, RedisHealthIndicator } from '@app/lifecycle';
import { DiscordModule } from '../discord';
import { ComponentHealthIndicators } from './component.health';
import { FleetGauges } from './fleet-gauges';
import { CONTROLLER_REDIS_HEALTH } from './health.constants';
import { HealthController } from './health.controller';
import { LavalinkReports } from './lavalink-reports';
import { ReadinessService } from './readiness.service';

/** Options of {@link HealthModule.forRoot}. */
export interface HealthModuleOptions {
  /** The app's configured `AgentGatewayModule` (the same instance the app module imports). */
  agentGateway: DynamicModule;
}

/**
 * Liveness and readiness endpoints of the controller, plus the gauges that describe its fleet
 * (dependency_up, Lavalink as reported, sessions active, pool utilization, agent uptime). Redis is
 * probed (and required) only when the global `ConfigService` has `REDIS_URL`.
 */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, DiscordModule, options.agentGateway],
      controllers: [HealthController],
      providers: [
        PostgresHealthIndicator,
        ComponentHealthIndicators,
        LavalinkReports,
        ReadinessService,
        FleetGauges,
        {
          provide: CONTROLLER_REDIS_HEALTH,
          inject: [HealthIndicatorService, ConfigService],
          useFactory: (indicators: HealthIndicatorService, config: ConfigService) =>
            new RedisHealthIndicator(indicators, config.get<string>('REDIS_URL') || undefined),
        },
      ],
    };
  }
}
