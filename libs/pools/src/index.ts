export { PoolsModule } from './pools.module';
export { poolsEnvShape, poolsOptionsFromEnv } from './pools.config';
export type { PoolsEnv, PoolsModuleOptions } from './pools.config';
export { PoolsException, PoolsExceptionCode } from './pools.exception';
export type { Actor } from './pools.actor';
export {
  AGENT_STATUS_TRANSITIONS,
  AgentStatus,
  ContributionStatus,
  DEFAULT_MAX_CONTRIBUTIONS_PER_USER,
  DEFAULT_RUNNER_CAPACITY,
  LEASABLE_STATUSES,
  MAX_AGENTS_PER_POOL,
  MIN_IDLE_RELEASE_SECONDS,
  POOLS_DATABASE,
  PoolMemberRole,
  PoolVisibility,
  sqlInList,
} from './pools.constants';
export { PoolsService } from './pools.service';
export type { PoolCreateInput } from './pools.service';
export { AgentRegistrationsService, loginBackoffSeconds } from './agent-registrations.service';
export type {
  AgentListQuery,
  AgentRegisterInput,
  AgentRegistrationView,
  KeyRotationResult,
} from './agent-registrations.service';
export { RunnersService } from './runners.service';
export type { RunnerCreateInput, RunnerView } from './runners.service';
export { LeasesService } from './leases.service';
export type { LeaseClaimOptions, LeaseClaimResult, LeaseView } from './leases.service';
export { GuildSettingsService, effectiveIdleReleaseSeconds } from './guild-settings.service';
export type { GuildSettingsPatch, GuildSettingsView } from './guild-settings.service';
export { TokenCipher } from './crypto/token-cipher';
export type { SealedToken } from './crypto/token-cipher';
export * from './entities';
export {
  buildDataSourceOptions,
  createDataSource,
  DATABASE_ENTITIES,
  MIGRATIONS_DIR,
  MIGRATIONS_TABLE,
} from './database/data-source';
export type { DataSourceBuildOptions, PostgresDataSourceOptions } from './database/data-source';
export { MIGRATION_ADVISORY_LOCK_KEY, migrateToHead } from './database/migrations-runner';
export { findCheckConstraintDrift, findSchemaDrift } from './database/schema-drift';
export {
  checkMigrationFiles,
  listMigrationFiles,
  MIGRATION_FILE_PATTERN,
  migrationsFingerprint,
} from './database/migration-files';
export type { MigrationFileProblem } from './database/migration-files';
export { EmbeddedPostgres, openEmbeddedPostgres } from './database/embedded-postgres';
export type { EmbeddedPostgresOptions, EmbeddedServerInfo } from './database/embedded-postgres';
export { DEFAULT_EMBEDDED_DB_DIR, resolveDatabase } from './database/resolve-database';
export type { DatabaseLocation, ResolvedDatabase } from './database/resolve-database';
