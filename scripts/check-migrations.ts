import 'reflect-metadata';
import { redactUrl } from '@app/config';
import { checkMigrations } from './lib/migration-check';
import { loadCheckMigrationsConfig } from './lib/database-scripts.config';

/**
 * `npm run ci:migrations`: fails (exit 1) when a migration file is misnamed or out of order, or
 * when a fresh database migrated to head still differs from the entities (schema drift).
 */
async function main(): Promise<number> {
  const config = loadCheckMigrationsConfig();
  process.stderr.write(`Checking migrations against ${redactUrl(config.DATABASE_URL)}\n`);
  const report = await checkMigrations({ adminUrl: config.DATABASE_URL });
  if (report.fileProblems.length > 0) {
    for (const problem of report.fileProblems)
      process.stderr.write(`migrations/${problem.file}: ${problem.problem}\n`);
    return 1;
  }
  if (report.drift.length > 0) {
    process.stderr.write(
      `Schema drift: the entities need ${report.drift.length} statement(s) no migration provides:\n`,
    );
    for (const statement of report.drift) process.stderr.write(`  ${statement};\n`);
    process.stderr.write('Write a migration for these changes.\n');
    return 1;
  }
  process.stdout.write(
    `OK: ${report.applied.length} migration(s) applied to a fresh database, no schema drift.\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ci:migrations failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
