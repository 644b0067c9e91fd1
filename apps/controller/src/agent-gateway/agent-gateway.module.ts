import { type DynamicModule, Module } from '@nestjs/common';
import { AgentConnectionTable } from './agent-connection.table';
import { AGENT_LEASE_CHECKER, RUNNER_AUTHENTICATOR } from './agent-gateway.constants';
import { AgentGatewayEvents } from './agent-gateway.events';
import { AgentGateway } from './agent-gateway.gateway';
import {
  AGENT_GATEWAY_ASYNC_OPTIONS_TYPE,
  AGENT_GATEWAY_MODULE_OPTIONS,
  AGENT_GATEWAY_OPTIONS,
  AGENT_GATEWAY_OPTIONS_TYPE,
  AgentGatewayConfigurableModule,
} from './agent-gateway.module-definition';
import { type AgentGatewayOptions, resolveAgentGatewayOptions } from './agent-gateway.options';
import { AgentRpcClient } from './agent-rpc.client';
import { PoolsAgentLeaseChecker, PoolsRunnerAuthenticator } from './pools.adapters';

/**
 * The controller's agent gateway (SPEC §4): WebSocket server for runners on
 * `AGENT_CONTROL_PORT`, the {@link AgentRpcClient} to call agents, and {@link AgentGatewayEvents}
 * (`agents.lost` for failover/release, `agents.announced`, `session.report`, `agent.event`,
 * `runner.drain`).
 *
 * ```ts
 * const pools = PoolsModule.forRootAsync({ ... });
 * AgentGatewayModule.forRootAsync({
 *   imports: [pools],               // must export RunnersService and LeasesService (@app/pools)
 *   inject: [ConfigService],
 *   useFactory: (config) => ({ port: config.get('AGENT_CONTROL_PORT'), ... }),
 *   sessions: SessionsModule.forRoot({}), // optional; imported and re-exported
 * })
 * ```
 * Needs `ChopsticksMetrics` (global `MetricsModule` for the controller app).
 */
@Module({})
export class AgentGatewayModule extends AgentGatewayConfigurableModule {
  /** Synchronous variant of {@link AgentGatewayModule.forRootAsync}. */
  static override forRoot(options: typeof AGENT_GATEWAY_OPTIONS_TYPE): DynamicModule {
    return AgentGatewayModule.withProviders(super.forRoot(options));
  }

  /** Options from a factory (e.g. `ConfigService`); `imports` must provide the pools services. */
  static override forRootAsync(options: typeof AGENT_GATEWAY_ASYNC_OPTIONS_TYPE): DynamicModule {
    return AgentGatewayModule.withProviders(super.forRootAsync(options));
  }

  private static withProviders(base: DynamicModule): DynamicModule {
    return {
      ...base,
      providers: [
        ...(base.providers ?? []),
        {
          provide: AGENT_GATEWAY_OPTIONS,
          inject: [AGENT_GATEWAY_MODULE_OPTIONS],
          useFactory: (options: AgentGatewayOptions) => resolveAgentGatewayOptions(options),
        },
        { provide: RUNNER_AUTHENTICATOR, useClass: PoolsRunnerAuthenticator },
        { provide: AGENT_LEASE_CHECKER, useClass: PoolsAgentLeaseChecker },
        AgentConnectionTable,
        AgentGatewayEvents,
        AgentRpcClient,
        AgentGateway,
      ],
      exports: [...(base.exports ?? []), AgentRpcClient, AgentGatewayEvents, AgentGateway],
    };
  }
}
