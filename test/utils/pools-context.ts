import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { ApiKeysService, AuditService } from '@app/access';
import {
  AgentRegistrationsService,
  GuildSettingsService,
  LeasesService,
  PoolsModule,
  PoolsService,
  RunnersService,
} from '@app/pools';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './database';
import { encryptionKey } from './factories';

/** A Nest application context with the real PoolsModule on a cloned test database. */
export interface PoolsTestContext {
  db: TestDatabase;
  app: INestApplicationContext;
  dataSource: DataSource;
  keys: string;
  pools: PoolsService;
  agents: AgentRegistrationsService;
  runners: RunnersService;
  leases: LeasesService;
  guilds: GuildSettingsService;
  audit: AuditService;
  apiKeys: ApiKeysService;
  /** Boots another context on the same database (e.g. with rotated keys). */
  reopen(keys: string): Promise<INestApplicationContext>;
  close(): Promise<void>;
}

async function boot(url: string, keys: string): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    PoolsModule.forRoot({
      databaseUrl: url,
      tokenEncryptionKeys: keys,
      poolSize: 4,
      applicationName: 'chopsticks-test',
    }),
    { logger: false, abortOnError: false },
  );
  await app.init();
  return app;
}

/** Clones the template database and boots PoolsModule on it. Call `close()` in afterAll. */
export async function createPoolsTestContext(keys = encryptionKey('k1')): Promise<PoolsTestContext> {
  const db = await createTestDatabase();
  const app = await boot(db.url, keys);
  const extra: INestApplicationContext[] = [];
  return {
    db,
    app,
    keys,
    dataSource: app.get(DataSource),
    pools: app.get(PoolsService),
    agents: app.get(AgentRegistrationsService),
    runners: app.get(RunnersService),
    leases: app.get(LeasesService),
    guilds: app.get(GuildSettingsService),
    audit: app.get(AuditService),
    apiKeys: app.get(ApiKeysService),
    reopen: async (otherKeys) => {
      const other = await boot(db.url, otherKeys);
      extra.push(other);
      return other;
    },
    close: async () => {
      for (const other of extra) await other.close();
      await app.close();
      await db.drop();
    },
  };
}
