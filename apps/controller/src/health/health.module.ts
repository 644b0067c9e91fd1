import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DiscordModule } from '../discord';
import { ComponentHealthIndicators } from './component.health';
import { HealthController } from './health.controller';
import { PostgresHealthIndicator } from './postgres.health';

/** Options of {@link HealthModule.forRoot}. */
export interface HealthModuleOptions {
  /** The app's configured `AgentGatewayModule` (the same instance the app module imports). */
  agentGateway: DynamicModule;
}

/** Liveness and readiness endpoints of the controller. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, DiscordModule, options.agentGateway],
      controllers: [HealthController],
      providers: [PostgresHealthIndicator, ComponentHealthIndicators],
    };
  }
}
