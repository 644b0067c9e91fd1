import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import { IdentityFailoverWatch } from './identity-failover.watch';
import { IdleReleaseSweeper } from './idle-release.sweeper';
import { NodeOutageWatch } from './node-outage.watch';
import { QueueSnapshots } from './queue-snapshots';
import { SessionFailoverService } from './session-failover.service';
import { SessionNotifier } from './session-notifier';
import { SESSION_RECOVERY_OPTIONS, type SessionRecoveryOptions } from './session-recovery.constants';
import { SessionRestoreService } from './session-restore.service';
import { VoiceModerationService } from './voice-moderation.service';

/** Options of {@link SessionRecoveryModule.forRoot}. */
export interface SessionRecoveryModuleOptions extends SessionRecoveryOptions {
  /**
   * The app's configured `AgentGatewayModule` (the same dynamic module instance the app imports):
   * it provides `AgentRpcClient`, `AgentGatewayEvents` and the sessions registries.
   */
  agentGateway: DynamicModule;
  /** The app's configured `PoolsModule` instance (provides `GuildSettingsService`). */
  pools: DynamicModule;
  /** The app's `RoutingModule` instance (provides `GuildPoolRouting` for failover). */
  routing: DynamicModule;
}

/**
 * Sessions at full strength in the controller (SPEC §5): failover with queue handoff, the idle
 * release sweep, session restore after a controller restart, failover of agents whose Discord
 * identity stays not ready,
 * sessions whose agent has had no Lavalink node past the outage limit, and sessions that follow or end
 * when a moderator moves or disconnects their agent. Needs the global
 * `ChopsticksMetrics` and the necord client.
 */
@Module({})
export class SessionRecoveryModule {
  static forRoot(options: SessionRecoveryModuleOptions): DynamicModule {
    const { agentGateway, pools, routing, ...tuning } = options;
    return {
      module: SessionRecoveryModule,
      imports: [agentGateway, pools, routing, DiscordModule],
      providers: [
        { provide: SESSION_RECOVERY_OPTIONS, useValue: tuning },
        QueueSnapshots,
        SessionNotifier,
        SessionFailoverService,
        IdentityFailoverWatch,
        NodeOutageWatch,
        IdleReleaseSweeper,
        SessionRestoreService,
        VoiceModerationService,
      ],
      exports: [
        SessionFailoverService,
        IdentityFailoverWatch,
        NodeOutageWatch,
        IdleReleaseSweeper,
        SessionRestoreService,
        QueueSnapshots,
        VoiceModerationService,
      ],
    };
  }
}
