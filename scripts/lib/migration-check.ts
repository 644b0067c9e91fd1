import { randomBytes } from 'node:crypto';
import {
  checkMigrationFiles,
  createDataSource,
  DataSourceBuildOptions,
  findSchemaDrift,
  migrateToHead,
  MigrationFileProblem,
} from '@app/pools';
import { Client } from 'pg';

/** Outcome of {@link checkMigrations}. */
export interface MigrationCheckReport {
  fileProblems: MigrationFileProblem[];
  /** Migrations applied to the temporary database. */
  applied: string[];
  /** Statements TypeORM would still generate after migrating to head (empty = no drift). */
  drift: string[];
}

/** Options of {@link checkMigrations}. */
export interface MigrationCheckOptions {
  /** Admin connection able to CREATE/DROP DATABASE. */
  adminUrl: string;
  /** Entities to compare with (default: every Chopsticks entity). Tests add a drifting one. */
  entities?: DataSourceBuildOptions['entities'];
}

/**
 * The `ci:migrations` check: file names/order/class names, then a fresh temporary database
 * migrated to head and compared with the entities (`findSchemaDrift`: TypeORM's
 * `createSchemaBuilder().log()` plus CHECK expressions such as those generated from code enums,
 * which TypeORM only compares by name); the temporary database is always dropped.
 */
export async function checkMigrations(options: MigrationCheckOptions): Promise<MigrationCheckReport> {
  const fileProblems = checkMigrationFiles();
  if (fileProblems.length > 0) return { fileProblems, applied: [], drift: [] };
  const name = `chopsticks_migcheck_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      const url = new URL(options.adminUrl);
      url.pathname = `/${name}`;
      const dataSource = createDataSource(url.toString(), {
        entities: options.entities,
        applicationName: 'chopsticks-ci-migrations',
      });
      await dataSource.initialize();
      try {
        const applied = await migrateToHead(dataSource);
        const drift = await findSchemaDrift(dataSource);
        return { fileProblems, applied, drift };
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
