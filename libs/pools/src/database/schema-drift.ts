import { DataSource } from 'typeorm';

/**
 * Asks TypeORM which statements it would run to make the database match the entities
 * (`driver.createSchemaBuilder().log()`, i.e. what `migration:generate` would write).
 * @returns the `up` statements; empty when the migrated schema matches the entities.
 */
export async function findSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}
