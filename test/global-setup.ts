import { ensureTemplateDatabase } from './utils/template-database';

/**
 * Jest globalSetup of the integration and e2e projects: checks Postgres is reachable and that
 * the `chopsticks_template` database is migrated to head (built once, rebuilt when migrations
 * change). Each test file then clones it with `createTestDatabase()`.
 */
export default async function globalSetup(): Promise<void> {
  await ensureTemplateDatabase();
}
