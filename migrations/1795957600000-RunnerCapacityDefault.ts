import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A runner credential created without a capacity may hold 50 agents, the same default as the
 * runner's `RUNNER_CAPACITY` (was 10). Existing rows keep their capacity.
 */
export class RunnerCapacityDefault1795957600000 implements MigrationInterface {
  name = 'RunnerCapacityDefault1795957600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agent_runners" ALTER COLUMN "capacity" SET DEFAULT '50'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agent_runners" ALTER COLUMN "capacity" SET DEFAULT '10'`);
  }
}
