import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Object-level binding of admin API keys (issue 8, OWASP API1): an optional `guild_id` and
 * `pool_id` on `api_keys`. Null means unbound (the key reaches everything its scopes allow).
 * No foreign key to `agent_pools`: a deleted pool must not turn a bound key into an unbound one.
 */
export class ApiKeyBinding1795970000000 implements MigrationInterface {
  name = 'ApiKeyBinding1795970000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "guild_id" character varying(20)`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "pool_id" character varying(64)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "pool_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "guild_id"`);
  }
}
