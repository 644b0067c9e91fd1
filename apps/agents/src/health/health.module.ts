import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PostgresHealthIndicator } from '@app/lifecycle';
import { RUNNER_LAVALINK_NODE_IDS } from './health.constants';
import { HealthController } from './health.controller';
import { RunnerHealthIndicators } from './runner.health';

/** Options of {@link HealthModule.forRoot}. */
export interface HealthModuleOptions {
  /** The app's configured `RunnerModule` (the same instance the app module imports). */
  runner: DynamicModule;
  /** Ids of the configured Lavalink nodes (`LAVALINK_NODES`). */
  lavalinkNodeIds: readonly string[];
}

/** Liveness and readiness endpoints of the agent runner. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, options.runner],
      controllers: [HealthController],
      providers: [
        PostgresHealthIndicator,
        RunnerHealthIndicators,
        { provide: RUNNER_LAVALINK_NODE_IDS, useValue: options.lavalinkNodeIds },
      ],
    };
  }
}
