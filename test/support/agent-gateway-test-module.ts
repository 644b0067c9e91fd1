import type { DynamicModule } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { PoolsModule } from '@app/pools';
import { AgentGatewayModule, type AgentGatewayOptions } from '@apps/controller';

/**
 * The root module an integration test boots (`NestFactory.createApplicationContext`) to get the
 * controller's agent gateway on a free loopback port (`port: 0`, `host: 127.0.0.1`) over the real
 * Postgres of `pools`, with the controller's app metrics (no default metrics, no HTTP endpoint).
 * @param pools the pools context's options (test database URL, token keys, pool size)
 * @param gateway gateway options on top of the port and host (heartbeat, breaker, limits…)
 */
export function agentGatewayTestModule(
  pools: Parameters<typeof PoolsModule.forRoot>[0],
  gateway: AgentGatewayOptions = {},
): DynamicModule {
  const poolsModule = PoolsModule.forRoot(pools);
  class AgentGatewayTestModule {}
  return {
    module: AgentGatewayTestModule,
    imports: [
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      poolsModule,
      AgentGatewayModule.forRootAsync({
        imports: [poolsModule],
        useFactory: () => ({ port: 0, host: '127.0.0.1', ...gateway }),
      }),
    ],
  };
}
