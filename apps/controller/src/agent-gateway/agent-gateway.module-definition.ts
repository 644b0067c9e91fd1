import { ConfigurableModuleBuilder, type DynamicModule } from '@nestjs/common';
import { SessionsModule } from '@app/sessions';
import type { AgentGatewayOptions } from './agent-gateway.options';

/** Options fixed at import time (beside the async factory). */
export interface AgentGatewayModuleExtras {
  /**
   * The sessions module instance whose `AgentRegistry` the gateway fills; it is imported and
   * re-exported, so feature modules importing the gateway module share the same registries.
   * Default: `SessionsModule.forRoot({})`.
   */
  sessions?: DynamicModule;
}

/** DI token of the resolved options ({@link ResolvedAgentGatewayOptions}). */
export const AGENT_GATEWAY_OPTIONS = Symbol('AGENT_GATEWAY_OPTIONS');

export const {
  ConfigurableModuleClass: AgentGatewayConfigurableModule,
  MODULE_OPTIONS_TOKEN: AGENT_GATEWAY_MODULE_OPTIONS,
  OPTIONS_TYPE: AGENT_GATEWAY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_GATEWAY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentGatewayOptions>({ moduleName: 'AgentGateway' })
  .setClassMethodName('forRoot')
  .setExtras<AgentGatewayModuleExtras>({}, (definition, extras) => {
    const sessions = extras.sessions ?? SessionsModule.forRoot({});
    return {
      ...definition,
      imports: [...(definition.imports ?? []), sessions],
      exports: [...(definition.exports ?? []), sessions],
    };
  })
  .build();
