import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, type DatabaseConnectionOptions } from './data-source';

/**
 * Key of the session-level advisory lock that serializes migration runs across processes
 * (`pg_advisory_lock(bigint)` — PostgreSQL docs §9.27.10 "Advisory Lock Functions").
 */
export const MIGRATION_LOCK_KEY = 7_236_609_218_450_001;

/** Names of the migrations a run applied, oldest first (empty when already at head). */
export type AppliedMigrations = string[];

/**
 * Applies every pending migration to `url` while holding a Postgres advisory lock on a
 * separate session, so concurrent runs (two replicas starting, two operators) apply each
 * migration exactly once; the second run waits, then finds nothing pending.
 * Each migration runs in its own transaction.
 * @throws the driver's error when the database is unreachable or a migration fails (the
 *   failed migration is rolled back, earlier ones stay applied).
 */
export async function runMigrations(url: string, options: DatabaseConnectionOptions = {}): Promise<AppliedMigrations> {
  const lock = new Client({ connectionString: url, application_name: 'chopsticks-migrate-lock' });
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1::bigint)', [String(MIGRATION_LOCK_KEY)]);
    const dataSource = createDataSource(url, { poolSize: 1, applicationName: 'chopsticks-migrate', ...options });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1::bigint)', [String(MIGRATION_LOCK_KEY)]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/**
 * Asks TypeORM which statements would bring the connected database in line with the
 * entities (`driver.createSchemaBuilder().log()`). Empty means no drift.
 * @param dataSource an initialized data source.
 * @returns the SQL statements TypeORM would generate, in order.
 */
export async function findSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const pending = await dataSource.driver.createSchemaBuilder().log();
  return pending.upQueries.map((query) => query.query);
}
