import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessPolicyModule } from '@app/access';
import { LifecycleModule } from '@app/lifecycle';
import { ledgerOptionsFromEnv } from '@app/ledger';
import { MetricsModule } from '@app/metrics';
import { PoolsModule, poolsOptionsFromEnv } from '@app/pools';
import { AdminApiModule, adminApiOptionsFromEnv } from './admin-api';
import { AgentGatewayModule, agentGatewayOptionsFromEnv } from './agent-gateway';
import { AgentsCommandsModule } from './agents-commands';
import { AssistantModule } from './assistant';
import type { ControllerConfig } from './config/controller.config';
import { DeployModule } from './deploy';
import { DiscordModule } from './discord';
import { FunModule } from './fun';
import { HealthModule } from './health/health.module';
import { SessionLedgerModule } from './ledger';
import { MusicModule } from './music';
import { PoolsCommandsModule } from './pools-commands';
import { RoutingModule } from './routing';
import { SessionRecoveryModule } from './session-recovery';

/** Composition root of the controller: wires libs and feature modules, holds no logic. */
@Module({})
export class ControllerAppModule {
  /** @param config validated configuration (see `loadControllerConfig`) */
  static forRoot(config: ControllerConfig): DynamicModule {
    const pools = PoolsModule.forRoot(poolsOptionsFromEnv(config, 'chopsticks-controller'));
    const agentGateway = AgentGatewayModule.forRootAsync({
      imports: [pools],
      useFactory: () => agentGatewayOptionsFromEnv(config),
    });
    const routing = RoutingModule.forRoot({ pools });
    const music = MusicModule.forRoot({ agentGateway, routing });
    const assistant = AssistantModule.forRoot({ agentGateway, routing });
    const deploy = DeployModule.forRoot({
      imports: [pools, agentGateway],
      options: {
        oauthUrl: config.DISCORD_OAUTH_URL,
        verifyWindowSeconds: config.DEPLOY_VERIFY_WINDOW_SECONDS,
        verifyPollMs: config.DEPLOY_VERIFY_POLL_MS,
        verifyAttempts: config.DEPLOY_VERIFY_ATTEMPTS,
        verifyBackoffMs: config.DEPLOY_VERIFY_BACKOFF_MS,
      },
      redis: config.REDIS_URL ? { url: config.REDIS_URL, prefix: config.BULLMQ_PREFIX } : undefined,
      // Without Redis, optionally on BullMQ's Postgres backend (SPEC §11, `npm run demo`).
      postgresQueue: config.DEPLOY_QUEUE_POSTGRES,
    });
    const sessionRecovery = SessionRecoveryModule.forRoot({
      agentGateway,
      pools,
      routing,
      idleReleaseSeconds: config.IDLE_RELEASE_SECONDS,
      idleSweepIntervalSeconds: config.IDLE_SWEEP_INTERVAL_SECONDS,
      agentNotReadyFailoverMs: config.AGENT_NOT_READY_FAILOVER_MS,
      lavalinkOutageSeconds: config.LAVALINK_OUTAGE_SECONDS,
    });
    const sessionLedger = SessionLedgerModule.forRoot({
      agentGateway,
      sessionRecovery,
      ledger: ledgerOptionsFromEnv(config),
    });
    return {
      module: ControllerAppModule,
      imports: [
        LifecycleModule.forRoot('controller', config),
        MetricsModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (settings: ConfigService<ControllerConfig, true>) => ({
            app: 'controller',
            token: settings.get('METRICS_TOKEN', { infer: true }),
          }),
        }),
        pools,
        AccessPolicyModule.forRoot({ botOwnerIds: config.BOT_OWNER_IDS }),
        agentGateway,
        DiscordModule,
        FunModule,
        music,
        PoolsCommandsModule.forRoot(pools, routing),
        assistant,
        sessionRecovery,
        sessionLedger,
        HealthModule.forRoot({ agentGateway }),
        deploy,
        AgentsCommandsModule.forRoot({
          imports: [pools, agentGateway, music, assistant, deploy],
          options: { discordApiUrl: config.DISCORD_API_URL, idleReleaseSeconds: config.IDLE_RELEASE_SECONDS },
        }),
        AdminApiModule.forRoot({
          imports: [pools, agentGateway, deploy, sessionLedger],
          options: adminApiOptionsFromEnv(config),
        }),
      ],
    };
  }
}
