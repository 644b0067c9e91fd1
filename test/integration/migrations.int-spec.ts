import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiKey } from '@app/access';
import {
  AgentPool,
  createDataSource,
  DATABASE_ENTITIES,
  findSchemaDrift,
  migrateToHead,
  PoolMember,
  PoolMemberRole,
  sqlInList,
} from '@app/pools';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { checkMigrations } from '../../scripts/lib/migration-check';
import { createTestDatabase, TestDatabase } from '../utils/database';
import { testConfig } from '../utils/test-config';

/** Test-only copy of `api_keys` with one column no migration creates. */
@Entity({ name: 'api_keys' })
class ApiKeyWithUnmigratedColumn extends ApiKey {
  @Column({ name: 'drift_probe', type: 'integer', nullable: true })
  driftProbe!: number | null;
}

/** The code's `PoolMemberRole` plus a test-only value that no migration knows about. */
const ROLES_WITH_TEST_ONLY_VALUE = [...Object.values(PoolMemberRole), 'test_only_guest'];

/**
 * Test-only copy of `pool_members` (same columns, indices and foreign key as {@link PoolMember})
 * whose role CHECK is generated from an enum with one more value: only the CHECK differs.
 */
@Entity({ name: 'pool_members' })
@Check('CHK_pool_members_role', `"role" IN (${sqlInList(ROLES_WITH_TEST_ONLY_VALUE)})`)
class PoolMemberWithTestOnlyRole {
  @PrimaryColumn({ name: 'pool_id', type: 'varchar', length: 64 })
  poolId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 32 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: string;

  @ManyToOne(() => AgentPool, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pool_id', foreignKeyConstraintName: 'FK_pool_members_pool' })
  pool?: AgentPool;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

describe('migrations', () => {
  describe(migrateToHead.name, () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase({ template: null });
    });

    afterAll(async () => {
      await db.drop();
    });

    it('two migrators started together on a fresh database apply each migration exactly once', async () => {
      const first = createDataSource(db.url, { applicationName: 'migrator-1' });
      const second = createDataSource(db.url, { applicationName: 'migrator-2' });
      await Promise.all([first.initialize(), second.initialize()]);
      try {
        const results = await Promise.all([migrateToHead(first), migrateToHead(second)]);
        const applied = results.flat();
        expect(applied).toHaveLength(results.find((names) => names.length > 0)!.length);
        expect(results.some((names) => names.length === 0)).toBe(true);
        const rows = await first.query<{ name: string }[]>(`SELECT name FROM migrations ORDER BY id`);
        expect(rows.map((row) => row.name)).toEqual(applied);
        expect(await findSchemaDrift(first)).toEqual([]);
      } finally {
        await Promise.all([first.destroy(), second.destroy()]);
      }
    });
  });

  describe('npm run migrate', () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase({ template: null });
    });

    afterAll(async () => {
      await db.drop();
    });

    it('two processes migrating one fresh database at once: one applies, the other finds it at head', async () => {
      const run = () =>
        promisify(execFile)('npm', ['run', '-s', 'migrate'], {
          env: { ...process.env, DATABASE_URL: db.url },
        });
      const outputs = (await Promise.all([run(), run()])).map((result) => result.stdout.trim()).sort();
      expect(outputs[0]).toMatch(/^Already at head\.$/);
      expect(outputs[1]).toMatch(/^Applied \d+ migration\(s\): InitialSchema\d{13}/);
    });
  });

  describe(checkMigrations.name, () => {
    it('finds no drift between the migrated schema and the entities', async () => {
      const report = await checkMigrations({ adminUrl: testConfig.postgresAdminUrl });
      expect(report.fileProblems).toEqual([]);
      expect(report.applied.length).toBeGreaterThan(0);
      expect(report.drift).toEqual([]);
    });

    it('reports drift when an entity gains a column without a migration', async () => {
      const entities = [
        ...DATABASE_ENTITIES.filter((entity) => entity !== ApiKey),
        ApiKeyWithUnmigratedColumn,
      ];
      const report = await checkMigrations({ adminUrl: testConfig.postgresAdminUrl, entities });
      expect(report.drift).toEqual([`ALTER TABLE "api_keys" ADD "drift_probe" integer`]);
    });

    it('reports drift when a code enum gains a value its DB CHECK constraint does not allow', async () => {
      const entities = [
        ...DATABASE_ENTITIES.filter((entity) => entity !== PoolMember),
        PoolMemberWithTestOnlyRole,
      ];
      const report = await checkMigrations({ adminUrl: testConfig.postgresAdminUrl, entities });
      expect(report.drift).toEqual([
        `ALTER TABLE "pool_members" DROP CONSTRAINT "CHK_pool_members_role"`,
        `ALTER TABLE "pool_members" ADD CONSTRAINT "CHK_pool_members_role" CHECK ("role" IN ('owner', 'manager', 'contributor', 'viewer', 'test_only_guest'))`,
      ]);
    });

    it('npm run ci:migrations exits 0 on the real migrations', async () => {
      const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'ci:migrations'], {
        env: { ...process.env, DATABASE_URL: testConfig.postgresAdminUrl },
      });
      expect(stdout).toMatch(/no schema drift/);
    });
  });
});
