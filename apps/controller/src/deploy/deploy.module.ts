import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import {
  type BackendFactory,
  type ConnectionOptions,
  createPostgresBackend,
  createRedisBackend,
  setDefaultBackendFactory,
} from 'bullmq';
import { POOLS_DATABASE, type ResolvedDatabase } from '@app/pools';
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
  /** Redis of the verification queue; absent = the Postgres backend below, else disabled. */
  redis?: { url: string; /** BullMQ key prefix (default `bull`). */ prefix?: string };
  /**
   * Without `redis`: run the verification queue on BullMQ's Postgres backend in the app's own
   * database (the `POOLS_DATABASE` of the first module in `imports`). Absent or false = verification
   * disabled (logged at boot).
   */
  postgresQueue?: boolean;
}

/** Schema of BullMQ's Postgres backend tables on a real Postgres. */
export const DEPLOY_QUEUE_PG_SCHEMA = 'bullmq';

/**
 * BullMQ Postgres connection options (bullmq 6 `createPostgresBackend`: `{ connectionString,
 * migrate, schema }`) for the app's database. The embedded PGlite ignores per-connection startup
 * options such as `search_path` (every socket shares one session), so there the backend lives in
 * `public`; its tables (`job`, `event`, `meta`, …) do not collide with ours.
 */
export function postgresQueueConnection(database: ResolvedDatabase): ConnectionOptions {
  return {
    connectionString: database.url,
    migrate: true,
    schema: database.embedded ? 'public' : DEPLOY_QUEUE_PG_SCHEMA,
  } as unknown as ConnectionOptions;
}

/**
 * Process-wide BullMQ backend factory that picks the backend by the connection's shape: a
 * `{ connectionString }` object goes to the Postgres backend, anything else to Redis (bullmq's own
 * default) — so Redis queues in the same process keep working. Installed once by
 * {@link DeployModule.forRoot} before any queue is constructed.
 */
export const connectionDispatchingBackend: BackendFactory = (name, opts, factoryOptions) => {
  const connection = opts.connection as unknown;
  const postgres =
    typeof connection === 'object' &&
    connection !== null &&
    typeof (connection as { connectionString?: unknown }).connectionString === 'string';
  return postgres
    ? createPostgresBackend(name, opts as never, factoryOptions)
    : createRedisBackend(name, opts, factoryOptions);
};

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
 * API. With `redis` (or, without it, `postgresQueue`: BullMQ's Postgres backend in the app's
 * database), registers the BullMQ queue {@link DEPLOY_VERIFY_QUEUE} and its worker.
 */
@Module({})
export class DeployModule {
  static forRoot(root: DeployModuleRootOptions): DynamicModule {
    const postgresQueue = !root.redis && root.postgresQueue === true;
    const options: DeployModuleOptions = {
      ...root.options,
      queueEnabled: root.redis !== undefined || postgresQueue,
    };
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
    } else if (postgresQueue) {
      setDefaultBackendFactory(connectionDispatchingBackend);
      imports.push(
        BullModule.forRootAsync(DEPLOY_BULL_CONFIG_KEY, {
          imports: root.imports.slice(0, 1),
          inject: [POOLS_DATABASE],
          useFactory: (database: ResolvedDatabase) => ({ connection: postgresQueueConnection(database) }),
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
