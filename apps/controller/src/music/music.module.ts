import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import { MusicCommands } from './music.commands';
import { MusicPlayUseCase } from './music-play.use-case';
import { MusicSessionLifecycle } from './music-session.lifecycle';
import { MusicSessionsService } from './music-sessions.service';

/** Options of {@link MusicModule.forRoot}. */
export interface MusicModuleOptions {
  /**
   * The app's configured `AgentGatewayModule` (the same dynamic module instance the app
   * imports): it provides `AgentRpcClient`, `AgentGatewayEvents` and re-exports the sessions
   * registries (`Allocator`, `SessionRegistry`, `AgentRegistry`).
   */
  agentGateway: DynamicModule;
  /** The app's `RoutingModule` instance (provides `GuildPoolRouting`, one cache per app). */
  routing: DynamicModule;
}

/**
 * `/music` (SPEC §6): the slash commands, the play use case (allocate + `music.play`), session
 * operations and the session lifecycle (release on last human left / agent offline). Needs the
 * global `ChopsticksMetrics` and the necord client from {@link DiscordModule}.
 */
@Module({})
export class MusicModule {
  static forRoot(options: MusicModuleOptions): DynamicModule {
    return {
      module: MusicModule,
      imports: [options.agentGateway, options.routing, DiscordModule],
      providers: [MusicPlayUseCase, MusicSessionsService, MusicSessionLifecycle, MusicCommands],
      exports: [MusicPlayUseCase, MusicSessionsService],
    };
  }
}
