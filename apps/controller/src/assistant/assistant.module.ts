import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import { AssistantCommands } from './assistant.commands';
import { AssistantJoinUseCase } from './assistant-join.use-case';
import { AssistantSessionLifecycle } from './assistant-session.lifecycle';
import { AssistantSessionsService } from './assistant-sessions.service';

/** Options of {@link AssistantModule.forRoot}. */
export interface AssistantModuleOptions {
  /**
   * The app's configured `AgentGatewayModule` (the same dynamic module instance the app imports):
   * it provides `AgentRpcClient` and re-exports the sessions registries (`Allocator`,
   * `SessionRegistry`, `AgentRegistry`).
   */
  agentGateway: DynamicModule;
  /** The app's `RoutingModule` instance (provides `GuildPoolRouting`, one cache per app). */
  routing: DynamicModule;
}

/**
 * `/assistant` (SPEC §6): the slash commands, the join use case (allocate kind `assistant` +
 * `assistant.join`), operations on assistant sessions and their lifecycle (released when the last
 * human leaves). Needs the global `ChopsticksMetrics`
 * and the necord client from {@link DiscordModule}. Failover of assistant sessions (they end with
 * a notice) belongs to the session-recovery feature.
 */
@Module({})
export class AssistantModule {
  static forRoot(options: AssistantModuleOptions): DynamicModule {
    return {
      module: AssistantModule,
      imports: [options.agentGateway, options.routing, DiscordModule],
      providers: [
        AssistantJoinUseCase,
        AssistantSessionsService,
        AssistantSessionLifecycle,
        AssistantCommands,
      ],
      exports: [AssistantJoinUseCase, AssistantSessionsService],
    };
  }
}
