import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lease ledger (issue 5): `session_ledger` holds one append-only row per allocation, release
 * and failover of a session key, written in batches by `LedgerWriter`. Indexed for newest-first
 * pages per guild (`guild_id, occurred_at, id`, scanned backwards) and across guilds by time.
 */
export class SessionLedger1795963654813 implements MigrationInterface {
  name = 'SessionLedger1795963654813';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "session_ledger" ("id" BIGSERIAL NOT NULL, "guild_id" character varying(32) NOT NULL, "channel_id" character varying(32) NOT NULL, "kind" character varying(16) NOT NULL, "event" character varying(16) NOT NULL, "agent_id" character varying(40), "previous_agent_id" character varying(40), "session_id" uuid, "reason" character varying(32), "actor" character varying(32), "latency_seconds" double precision, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_session_ledger_kind" CHECK ("kind" IN ('music', 'assistant')), CONSTRAINT "CHK_session_ledger_event" CHECK ("event" IN ('allocate', 'release', 'failover')), CONSTRAINT "PK_950d16e57ebd8f8b2dd246a1179" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_session_ledger_guild_occurred" ON "session_ledger" ("guild_id", "occurred_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_session_ledger_occurred_at" ON "session_ledger" ("occurred_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_session_ledger_occurred_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_session_ledger_guild_occurred"`);
    await queryRunner.query(`DROP TABLE "session_ledger"`);
  }
}
