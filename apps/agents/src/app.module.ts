import { DynamicModule, Module } from '@nestjs/common';
import { LifecycleModule } from '@app/lifecycle';
import { MetricsModule } from '@app/metrics';
import { poolsOptionsFromEnv } from '@app/pools';
import type { AgentsConfig } from './config/agents.config';
import { HealthModule } from './health/health.module';
import { RunnerModule } from './runner/runner.module';
import { runnerOptionsFromConfig } from './runner/runner.options';

/** Composition root of the agent runner: wires libs and feature modules, holds no logic. */
@Module({})
export class AgentsAppModule {
  /** @param config validated configuration (see `loadAgentsConfig`) */
  static forRoot(config: AgentsConfig): DynamicModule {
    const runner = RunnerModule.forRoot({
      runner: runnerOptionsFromConfig(config),
      pools: poolsOptionsFromEnv(config, 'chopsticks-agents'),
    });
    return {
      module: AgentsAppModule,
      imports: [
        LifecycleModule.forRoot('agents', config),
        HealthModule.forRoot({ runner, lavalinkNodeIds: config.LAVALINK_NODES.map((node) => node.id) }),
        MetricsModule.forRoot({ app: 'agents', token: config.METRICS_TOKEN }),
        runner,
      ],
    };
  }
}
