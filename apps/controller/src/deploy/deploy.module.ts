import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { DEPLOY_OPTIONS, DEPLOY_VERIFY_QUEUE, type DeployModuleOptions } from './deploy.constants';
import { DeployOutcomeRecorder } from './deploy-outcome.recorder';
import { DeployPlanner } from './deploy-planner.service';
import { DeployVerificationProcessor } from './deploy-verification.processor';
import { DeployVerificationQueue } from './deploy-verification.queue';
import { DeployUseCase } from './deploy.use-case';

/** BullMQ shared-config key of the deploy queue (kept apart from other queues' settings). */
export const DEPLOY_BULL_CONFIG_KEY = 'chopsticks-deploy';

/** Options of {@link DeployModule.forRoot}. */
export interface DeployModuleRootOptions {
  /**
   * Modules providing `PoolsService`, `AgentRegistrationsService`, `AuditService`, `DataSource`
   * (the app's `PoolsModule`) and `AgentRegistry` (the app's `AgentGatewayModule`, or a
   * `SessionsModule`). `ChopsticksMetrics` comes from the global `MetricsModule`.
   */
  imports: DynamicModule[];
  options: Omit<DeployModuleOptions, 'queueEnabled'>;
  /** Redis of the verification queue; absent = verification disabled (logged at boot). */
  redis?: { url: string; /** BullMQ key prefix (default `bull`). */ prefix?: string };
}

/**
 * Turns a `redis://` / `rediss://` URL into BullMQ connection options
 * (`maxRetriesPerRequest: null`, required by BullMQ workers — BullMQ docs, Going to production).
 */
export function redisConnectionFromUrl(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/**
 * Deploy planning and its verification queue (SPEC §5, issue 5): exports {@link DeployPlanner},
 * {@link DeployUseCase} and {@link DeployVerificationQueue} for `/agents deploy` and the admin
 * API. With `redis`, registers the BullMQ queue {@link DEPLOY_VERIFY_QUEUE} and its worker.
 */
@Module({})
export class DeployModule {
  static forRoot(root: DeployModuleRootOptions): DynamicModule {
    const options: DeployModuleOptions = { ...root.options, queueEnabled: root.redis !== undefined };
    const providers: Provider[] = [
      { provide: DEPLOY_OPTIONS, useValue: options },
      DeployPlanner,
      DeployVerificationQueue,
      DeployUseCase,
    ];
    const imports: DynamicModule[] = [...root.imports];
    if (root.redis) {
      imports.push(
        BullModule.forRoot(DEPLOY_BULL_CONFIG_KEY, {
          connection: redisConnectionFromUrl(root.redis.url),
          prefix: root.redis.prefix,
        }),
        BullModule.registerQueue({ name: DEPLOY_VERIFY_QUEUE, configKey: DEPLOY_BULL_CONFIG_KEY }),
      );
      providers.push(DeployOutcomeRecorder, DeployVerificationProcessor);
    }
    return {
      module: DeployModule,
      imports,
      providers,
      exports: [DeployPlanner, DeployUseCase, DeployVerificationQueue],
    };
  }
}
