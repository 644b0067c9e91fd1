import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import { AgentTokenAddUseCase } from './agent-token-add.use-case';
import { AgentAutocompleteInterceptor } from './agents-autocomplete.interceptor';
import { AGENTS_COMMANDS_OPTIONS, type AgentsCommandsOptions } from './agents-commands.constants';
import { AgentsOverviewService } from './agents-overview.service';
import { AgentsCommands } from './agents.commands';

/** Options of {@link AgentsCommandsModule.forRoot}. */
export interface AgentsCommandsModuleOptions {
  /**
   * The app's configured dynamic modules (the same instances the app imports): `PoolsModule`
   * (registrations, pools, leases, guild settings), `AgentGatewayModule` (live registries and the
   * allocator), `MusicModule` and `AssistantModule` (ending sessions), `DeployModule` (plans).
   * `AccessPolicy` comes from the global `AccessPolicyModule`, `ChopsticksMetrics` from the
   * global `MetricsModule`.
   */
  imports: DynamicModule[];
  options: AgentsCommandsOptions;
}

/**
 * `/agents` (SPEC §6): status, deploy, advisor, sessions, assign, release, idle_policy,
 * add_token, set_status, revoke, list_tokens and diagnose, through the controller's interaction
 * pipeline.
 */
@Module({})
export class AgentsCommandsModule {
  static forRoot(root: AgentsCommandsModuleOptions): DynamicModule {
    return {
      module: AgentsCommandsModule,
      imports: [...root.imports, DiscordModule],
      providers: [
        { provide: AGENTS_COMMANDS_OPTIONS, useValue: root.options },
        AgentsOverviewService,
        AgentTokenAddUseCase,
        AgentAutocompleteInterceptor,
        AgentsCommands,
      ],
      exports: [AgentsOverviewService, AgentTokenAddUseCase],
    };
  }
}
