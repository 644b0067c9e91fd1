import 'reflect-metadata';
import { redactUrl } from '@app/config';
import { createDataSource, migrateToHead, resolveDatabase } from '@app/pools';
import { loadMigrateConfig } from './lib/database-scripts.config';

/**
 * `npm run migrate`: applies pending migrations to `DATABASE_URL` under a Postgres advisory lock
 * (safe to run from several processes at once). Without `DATABASE_URL` it serves (or joins) the
 * embedded database in `EMBEDDED_DB_DIR` and migrates it.
 */
async function main(): Promise<number> {
  const config = loadMigrateConfig();
  const database = await resolveDatabase({
    databaseUrl: config.DATABASE_URL,
    embeddedDbDir: config.EMBEDDED_DB_DIR,
  });
  try {
    process.stderr.write(
      `Migrating ${database.embedded ? `embedded database in ${config.EMBEDDED_DB_DIR}` : redactUrl(database.url)}\n`,
    );
    const dataSource = createDataSource(database.url, {
      embedded: database.embedded !== null,
      applicationName: 'chopsticks-migrate',
    });
    await dataSource.initialize();
    try {
      const applied = await migrateToHead(dataSource);
      process.stdout.write(
        applied.length === 0
          ? 'Already at head.\n'
          : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
      );
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
