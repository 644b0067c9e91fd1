import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { testConfig, withDatabase } from './test-config';

/**
 * Jest's globalSetup runs outside the module mapper, so this file imports only npm packages and
 * reads the migration files by path.
 */
const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
const TEMPLATE_LOCK_KEY = 4_170_227_312;

function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
}

/** SHA-256 over migration file names and contents. */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of migrationFiles())
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(MIGRATIONS_DIR, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Makes sure `chopsticks_template` exists and is migrated to head. Guarded by an advisory lock so
 * parallel jest processes build it once; rebuilt (under a temporary name, then renamed) when the
 * migrations' fingerprint stored in the database comment differs.
 */
export async function ensureTemplateDatabase(): Promise<void> {
  const admin = new Client({ connectionString: testConfig.postgresAdminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `Integration tests need Postgres at ${testConfig.postgresAdminUrl} (set TEST_POSTGRES_URL): ${(error as Error).message}`,
    );
  }
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const fingerprint = `migrations:${migrationsFingerprint()}`;
    const current = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [testConfig.templateDatabase],
    );
    if (current.rows[0]?.comment === fingerprint) return;

    const building = `chopsticks_template_build_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${building}"`);
    const dataSource = new DataSource({
      type: 'postgres',
      url: withDatabase(testConfig.postgresAdminUrl, building),
      migrations: [path.join(MIGRATIONS_DIR, '*.{ts,js}')],
      migrationsTableName: 'migrations',
      installExtensions: false,
      uuidExtension: 'pgcrypto',
      synchronize: false,
    });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await dataSource.destroy();
    }
    await admin.query(`DROP DATABASE IF EXISTS "${testConfig.templateDatabase}" WITH (FORCE)`);
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${testConfig.templateDatabase}"`);
    await admin.query(`COMMENT ON DATABASE "${testConfig.templateDatabase}" IS '${fingerprint}'`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    await admin.end();
  }
}
