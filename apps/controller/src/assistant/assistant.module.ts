import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import { AssistantCommands } from './assistant.commands';
import { AssistantJoinUseCase } from './assistant-join.use-case';
import { AssistantSessionsService } from './assistant-sessions.service';

/** Options of {@link AssistantModule.forRoot}. */
export interface AssistantModuleOptions {
  /**
   * The app's configured `AgentGatewayModule` (the same dynamic module instance the app imports):
   * it provides `AgentRpcClient` and re-exports the sessions registries (`Allocator`,
   * `SessionRegistry`, `AgentRegistry`).
   */
  agentGateway: DynamicModule;
}

/**
 * `/assistant` (SPEC §6): the slash commands, the join use case (allocate kind `assistant` +
 * `assistant.join`) and operations on assistant sessions. Needs the global `ChopsticksMetrics`
 * and the necord client from {@link DiscordModule}. Failover of assistant sessions (they end with
 * a notice) belongs to the session-recovery feature.
 */
@Module({})
export class AssistantModule {
  static forRoot(options: AssistantModuleOptions): DynamicModule {
    return {
      module: AssistantModule,
      imports: [options.agentGateway, DiscordModule],
      providers: [AssistantJoinUseCase, AssistantSessionsService, AssistantCommands],
      exports: [AssistantJoinUseCase, AssistantSessionsService],
    };
  }
}
