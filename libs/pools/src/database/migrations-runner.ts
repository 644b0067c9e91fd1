import { DataSource, MigrationExecutor } from 'typeorm';

/** Advisory lock key held while migrating (any constant shared by every migrator). */
export const MIGRATION_ADVISORY_LOCK_KEY = 4_170_227_311;

/**
 * Applies pending migrations under a session-level Postgres advisory lock
 * (`pg_advisory_lock`, Postgres docs §9.27.10), so concurrent migrators run one after the other
 * and the later one finds nothing left to do. All pending migrations run in one transaction.
 * @returns names of the migrations this call applied (empty when already at head).
 */
export async function migrateToHead(dataSource: DataSource): Promise<string[]> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'all';
      const applied = await executor.executePendingMigrations();
      return applied.map((migration) => migration.name);
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);
    }
  } finally {
    await queryRunner.release();
  }
}
