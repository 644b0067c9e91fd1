import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable schema of issue 2: pools, members, agent registrations (encrypted tokens), runners,
 * leases, guild settings, contributions, append-only audit log and API keys (SPEC §3).
 */
export class InitialSchema1795953493875 implements MigrationInterface {
  name = 'InitialSchema1795953493875';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "prefix" character varying(16) NOT NULL, "secret_hash" character varying(128) NOT NULL, "scopes" text array NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_by" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_api_keys_scopes" CHECK (cardinality("scopes") > 0 AND "scopes" <@ ARRAY['read', 'write', 'admin']::text[]), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_keys_prefix" ON "api_keys"  ("prefix") `);
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor" character varying(64) NOT NULL, "action" character varying(64) NOT NULL, "target_type" character varying(32) NOT NULL, "target_id" character varying(128), "payload" jsonb NOT NULL DEFAULT '{}', "request_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_action" ON "audit_events"  ("action") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_created_at" ON "audit_events"  ("created_at") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_target" ON "audit_events"  ("target_type", "target_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "agent_pools" ("id" character varying(64) NOT NULL, "owner_id" character varying(32) NOT NULL, "name" character varying(100) NOT NULL, "visibility" character varying(16) NOT NULL DEFAULT 'private', "max_agents" integer NOT NULL DEFAULT '49', "max_contributions_per_user" integer NOT NULL DEFAULT '3', "specialty" character varying(32), "meta" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_agent_pools_max_contributions" CHECK ("max_contributions_per_user" >= 0), CONSTRAINT "CHK_agent_pools_max_agents" CHECK ("max_agents" >= 1 AND "max_agents" <= 49), CONSTRAINT "CHK_agent_pools_visibility" CHECK ("visibility" IN ('public', 'private')), CONSTRAINT "PK_56c7780306ab4028f2977955151" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_agent_pools_owner_id" ON "agent_pools"  ("owner_id") `);
    await queryRunner.query(
      `CREATE TABLE "agent_bots" ("agent_id" character varying(40) NOT NULL, "client_id" character varying(32) NOT NULL, "tag" character varying(64) NOT NULL, "pool_id" character varying(64) NOT NULL, "status" character varying(16) NOT NULL, "token_ciphertext" bytea, "token_key_id" character varying(64), "contributed_by" character varying(32) NOT NULL, "failure_count" integer NOT NULL DEFAULT '0', "backoff_until" TIMESTAMP WITH TIME ZONE, "last_login_error" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_agent_bots_failure_count" CHECK ("failure_count" >= 0), CONSTRAINT "CHK_agent_bots_revoked_erased" CHECK ("status" <> 'revoked' OR "token_ciphertext" IS NULL), CONSTRAINT "CHK_agent_bots_token_key" CHECK (("token_ciphertext" IS NULL) = ("token_key_id" IS NULL)), CONSTRAINT "CHK_agent_bots_status" CHECK ("status" IN ('pending', 'active', 'inactive', 'suspended', 'revoked', 'failed')), CONSTRAINT "PK_8d169e8aca3e9ed5f024066458d" PRIMARY KEY ("agent_id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_agent_bots_client_id" ON "agent_bots"  ("client_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_agent_bots_pool_id" ON "agent_bots"  ("pool_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_agent_bots_status" ON "agent_bots"  ("status") `);
    await queryRunner.query(
      `CREATE TABLE "agent_runners" ("runner_id" character varying(64) NOT NULL, "credential_hash" character varying(128) NOT NULL, "capacity" integer NOT NULL DEFAULT '10', "last_seen_at" TIMESTAMP WITH TIME ZONE, "meta" jsonb NOT NULL DEFAULT '{}', "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_agent_runners_capacity" CHECK ("capacity" >= 1), CONSTRAINT "PK_cf1f90c725cb6cacb0ad024e523" PRIMARY KEY ("runner_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "agent_leases" ("agent_id" character varying(40) NOT NULL, "runner_id" character varying(64) NOT NULL, "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7c5aa49b2fd75458fa748ec4d91" PRIMARY KEY ("agent_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_agent_leases_runner_id" ON "agent_leases"  ("runner_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_agent_leases_expires_at" ON "agent_leases"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "guild_settings" ("guild_id" character varying(32) NOT NULL, "selected_pool_id" character varying(64), "idle_release_seconds" integer, "notify_channel_id" character varying(32), "music" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_guild_settings_idle_release" CHECK ("idle_release_seconds" IS NULL OR "idle_release_seconds" = 0 OR "idle_release_seconds" >= 60), CONSTRAINT "PK_8d54b64d70e4360466564c8bf24" PRIMARY KEY ("guild_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "pool_contributions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "pool_id" character varying(64) NOT NULL, "agent_id" character varying(40) NOT NULL, "user_id" character varying(32) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "decided_by" character varying(64), "decided_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_pool_contributions_status" CHECK ("status" IN ('pending', 'approved', 'rejected')), CONSTRAINT "PK_af89cba18deed0c1056669984c0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_pool_contributions_pool_id" ON "pool_contributions"  ("pool_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_pool_contributions_agent_id" ON "pool_contributions"  ("agent_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "pool_members" ("pool_id" character varying(64) NOT NULL, "user_id" character varying(32) NOT NULL, "role" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_pool_members_role" CHECK ("role" IN ('owner', 'manager', 'contributor', 'viewer')), CONSTRAINT "PK_6c8218549bd3c54a96c292c5015" PRIMARY KEY ("pool_id", "user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "agent_bots" ADD CONSTRAINT "FK_agent_bots_pool" FOREIGN KEY ("pool_id") REFERENCES "agent_pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "agent_leases" ADD CONSTRAINT "FK_agent_leases_agent" FOREIGN KEY ("agent_id") REFERENCES "agent_bots"("agent_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "agent_leases" ADD CONSTRAINT "FK_agent_leases_runner" FOREIGN KEY ("runner_id") REFERENCES "agent_runners"("runner_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "guild_settings" ADD CONSTRAINT "FK_guild_settings_selected_pool" FOREIGN KEY ("selected_pool_id") REFERENCES "agent_pools"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "pool_contributions" ADD CONSTRAINT "FK_pool_contributions_pool" FOREIGN KEY ("pool_id") REFERENCES "agent_pools"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "pool_contributions" ADD CONSTRAINT "FK_pool_contributions_agent" FOREIGN KEY ("agent_id") REFERENCES "agent_bots"("agent_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "pool_members" ADD CONSTRAINT "FK_pool_members_pool" FOREIGN KEY ("pool_id") REFERENCES "agent_pools"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // audit_events is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
    await queryRunner.query(
      `CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "TRG_audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "TRG_audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "TRG_audit_events_no_truncate" ON "audit_events"`);
    await queryRunner.query(`DROP TRIGGER "TRG_audit_events_no_update_delete" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "audit_events_append_only"()`);
    await queryRunner.query(`ALTER TABLE "pool_members" DROP CONSTRAINT "FK_pool_members_pool"`);
    await queryRunner.query(`ALTER TABLE "pool_contributions" DROP CONSTRAINT "FK_pool_contributions_agent"`);
    await queryRunner.query(`ALTER TABLE "pool_contributions" DROP CONSTRAINT "FK_pool_contributions_pool"`);
    await queryRunner.query(`ALTER TABLE "guild_settings" DROP CONSTRAINT "FK_guild_settings_selected_pool"`);
    await queryRunner.query(`ALTER TABLE "agent_leases" DROP CONSTRAINT "FK_agent_leases_runner"`);
    await queryRunner.query(`ALTER TABLE "agent_leases" DROP CONSTRAINT "FK_agent_leases_agent"`);
    await queryRunner.query(`ALTER TABLE "agent_bots" DROP CONSTRAINT "FK_agent_bots_pool"`);
    await queryRunner.query(`DROP TABLE "pool_members"`);
    await queryRunner.query(`DROP TABLE "pool_contributions"`);
    await queryRunner.query(`DROP TABLE "guild_settings"`);
    await queryRunner.query(`DROP TABLE "agent_leases"`);
    await queryRunner.query(`DROP TABLE "agent_runners"`);
    await queryRunner.query(`DROP TABLE "agent_bots"`);
    await queryRunner.query(`DROP TABLE "agent_pools"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
