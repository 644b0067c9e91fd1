import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testConfig, withDatabase } from './test-config';

/** A throw-away database cloned from the migrated template. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: testConfig.postgresAdminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * `CREATE DATABASE chopsticks_test_<random> TEMPLATE chopsticks_template`: a migrated database
 * for one test file, so files run in parallel. Retries while another clone holds the template.
 */
export async function createTestDatabase(options: { template?: string | null } = {}): Promise<TestDatabase> {
  const name = `chopsticks_test_${randomBytes(6).toString('hex')}`;
  const template = options.template === undefined ? testConfig.templateDatabase : options.template;
  await withAdmin(async (admin) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(
          template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`,
        );
        return;
      } catch (error) {
        if (attempt >= 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
      }
    }
  });
  return {
    name,
    url: withDatabase(testConfig.postgresAdminUrl, name),
    drop: () =>
      withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
