import * as path from 'node:path';
import { ACCESS_ENTITIES } from '@app/access';
import { LEDGER_ENTITIES } from '@app/ledger';
import { DataSource, DataSourceOptions } from 'typeorm';
import { POOLS_ENTITIES } from '../entities';
import { DEFAULT_EMBEDDED_BUSY_TIMEOUT_MS, EmbeddedPgClient } from './embedded-pg-client';

/** Postgres flavour of TypeORM's data source options. */
export type PostgresDataSourceOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** Folder of the migration files (`<13-digit timestamp>-<PascalName>.ts`), at the repository root. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../../migrations');

/** Table in which TypeORM records applied migrations. */
export const MIGRATIONS_TABLE = 'migrations';

/** Every entity persisted by Chopsticks (pools, access and lease-ledger contexts). */
export const DATABASE_ENTITIES = [...POOLS_ENTITIES, ...ACCESS_ENTITIES, ...LEDGER_ENTITIES];

/** Options of {@link buildDataSourceOptions}. */
export interface DataSourceBuildOptions {
  /**
   * True when `url` points at the embedded PGlite socket server. PGlite has one Postgres session
   * shared by all sockets (transactions are serialized by the socket server), so the pool is
   * capped at one connection per process.
   */
  embedded?: boolean;
  /**
   * Embedded only: how long (ms) a connect or query may wait on the single PGlite session (held by
   * another client's open transaction) before failing with a "busy" error (default 15 000).
   */
  embeddedBusyTimeoutMs?: number;
  /** Connections in the pool against a real Postgres (default 10). */
  poolSize?: number;
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName?: string;
  /** Entity classes; default {@link DATABASE_ENTITIES}. Tests pass extra ones to prove drift checks. */
  entities?: DataSourceOptions['entities'];
}

/**
 * The one place that builds TypeORM options for Chopsticks. `synchronize` is always off; the
 * schema only changes through migrations in {@link MIGRATIONS_DIR}. uuid defaults use the core
 * `gen_random_uuid()` with no extension install, so the same schema works on PGlite.
 */
export function buildDataSourceOptions(
  url: string,
  options: DataSourceBuildOptions = {},
): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: options.entities ?? DATABASE_ENTITIES,
    migrations: [path.join(MIGRATIONS_DIR, '*.{ts,js}')],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: {
      max: options.embedded ? 1 : (options.poolSize ?? 10),
      application_name: options.applicationName ?? 'chopsticks',
      ...(options.embedded
        ? {
            Client: EmbeddedPgClient,
            embeddedBusyTimeoutMs: options.embeddedBusyTimeoutMs ?? DEFAULT_EMBEDDED_BUSY_TIMEOUT_MS,
          }
        : {}),
    },
  };
}

/** A new (not yet initialized) data source for `url`. */
export function createDataSource(url: string, options: DataSourceBuildOptions = {}): DataSource {
  return new DataSource(buildDataSourceOptions(url, options));
}
