import { DataSource, QueryRunner } from 'typeorm';

/** Name of the throw-away constraint used to let Postgres normalise an entity's CHECK expression. */
const PROBE_CONSTRAINT = 'chopsticks_drift_probe';

/**
 * Statements a migration would need to make the database match the entities:
 * 1. what TypeORM's schema builder would generate (`driver.createSchemaBuilder().log()`, i.e.
 *    what `migration:generate` writes: tables, columns, indices, foreign keys, CHECKs by name);
 * 2. CHECK constraints whose expression changed under the same name, which TypeORM's Postgres
 *    schema builder never compares (it matches checks by name only) — e.g. a value added to
 *    `AgentStatus` changes `CHK_agent_bots_status` in the entity but not in the database.
 *    See {@link findCheckConstraintDrift}.
 * @returns the `up` statements; empty when the migrated schema matches the entities.
 */
export async function findSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return [...sql.upQueries.map((query) => query.query), ...(await findCheckConstraintDrift(dataSource))];
}

/**
 * Compares every entity `@Check` (several are generated from code enums such as `AgentStatus`,
 * `PoolVisibility`, `PoolMemberRole`, `ContributionStatus`, `ApiKeyScope`) with the constraint
 * of the same name in the database. Both sides are normalised by Postgres itself: the entity's
 * expression is added as a `NOT VALID` probe constraint inside a transaction that is always
 * rolled back, and its `pg_get_constraintdef()` is compared with the stored one. Checks missing
 * from the database are left to TypeORM's builder, which already reports them.
 * @returns `DROP CONSTRAINT` + `ADD CONSTRAINT` pairs for each changed check; empty when none.
 */
export async function findCheckConstraintDrift(dataSource: DataSource): Promise<string[]> {
  const statements: string[] = [];
  const queryRunner = dataSource.createQueryRunner();
  try {
    for (const metadata of dataSource.entityMetadatas) {
      for (const check of metadata.checks) {
        if (!check.name) continue;
        const table = metadata.tableName;
        const stored = await storedCheckDefinition(queryRunner, table, check.name);
        if (stored === null) continue;
        const expected = await normalisedCheckDefinition(queryRunner, table, check.expression);
        if (stored === expected) continue;
        statements.push(
          `ALTER TABLE "${table}" DROP CONSTRAINT "${check.name}"`,
          `ALTER TABLE "${table}" ADD CONSTRAINT "${check.name}" CHECK (${check.expression})`,
        );
      }
    }
  } finally {
    await queryRunner.release();
  }
  return statements;
}

async function storedCheckDefinition(
  queryRunner: QueryRunner,
  table: string,
  name: string,
): Promise<string | null> {
  const rows = (await queryRunner.query(
    `SELECT pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'c' AND c.conname = $1 AND t.relname = $2 AND n.nspname = current_schema()`,
    [name, table],
  )) as { definition: string }[];
  return rows.length > 0 ? stripNotValid(rows[0].definition) : null;
}

async function normalisedCheckDefinition(
  queryRunner: QueryRunner,
  table: string,
  expression: string,
): Promise<string> {
  await queryRunner.startTransaction();
  try {
    await queryRunner.query(
      `ALTER TABLE "${table}" ADD CONSTRAINT "${PROBE_CONSTRAINT}" CHECK (${expression}) NOT VALID`,
    );
    const probe = await storedCheckDefinition(queryRunner, table, PROBE_CONSTRAINT);
    return probe ?? '';
  } finally {
    await queryRunner.rollbackTransaction();
  }
}

function stripNotValid(definition: string): string {
  return definition.replace(/\s+NOT VALID$/, '');
}
