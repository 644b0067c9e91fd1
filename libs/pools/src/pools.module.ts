import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@app/access';
import { DataSource } from 'typeorm';
import { AgentRegistrationsService } from './agent-registrations.service';
import { TokenCipher } from './crypto/token-cipher';
import { buildDataSourceOptions } from './database/data-source';
import { resolveDatabase, ResolvedDatabase } from './database/resolve-database';
import { GuildSettingsService } from './guild-settings.service';
import { LeasesService } from './leases.service';
import { PoolsDatabaseLifecycle } from './pools-database.lifecycle';
import { PoolsModuleOptions } from './pools.config';
import { POOLS_DATABASE } from './pools.constants';
import {
  POOLS_ASYNC_OPTIONS_TYPE,
  POOLS_OPTIONS,
  POOLS_OPTIONS_TYPE,
  PoolsConfigurableModule,
} from './pools.module-definition';
import { PoolsService } from './pools.service';
import { RunnersService } from './runners.service';

const SERVICES = [
  PoolsService,
  AgentRegistrationsService,
  RunnersService,
  LeasesService,
  GuildSettingsService,
];

/**
 * Global holder of the database: module options, the resolved database (URL or embedded
 * server) and the initialized TypeORM `DataSource` (inject it by its class).
 */
@Module({})
class PoolsDatabaseModule {}

/**
 * The pools context: pools, agent registrations (encrypted tokens), runners, leases and guild
 * settings, plus the app's database connection (`synchronize: false`; migrations only) and the
 * access module (audit log, API keys). Apps use
 * `PoolsModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => options })`.
 * With no `databaseUrl` the embedded PGlite database is served or joined (STACK-NOTES).
 * `TokenCipher` construction fails — and the app refuses to start — without valid keys.
 *
 * The `DataSource` is provided directly rather than through `@nestjs/typeorm`, whose 12.x line
 * is ESM-only and cannot be loaded by jest on Node 20.
 */
@Module({})
export class PoolsModule extends PoolsConfigurableModule {
  static override forRoot(options: typeof POOLS_OPTIONS_TYPE): DynamicModule {
    return PoolsModule.forRootAsync({ useFactory: () => options });
  }

  static override forRootAsync(options: typeof POOLS_ASYNC_OPTIONS_TYPE): DynamicModule {
    const base = super.forRootAsync(options);
    const databaseModule: DynamicModule = {
      module: PoolsDatabaseModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        ...(base.providers ?? []),
        {
          provide: POOLS_DATABASE,
          inject: [POOLS_OPTIONS],
          useFactory: (resolved: PoolsModuleOptions) => {
            // Refuse to start before opening any connection when the token keys are unusable.
            TokenCipher.fromKeyList(resolved.tokenEncryptionKeys);
            return resolveDatabase({
              databaseUrl: resolved.databaseUrl,
              embeddedDbDir: resolved.embeddedDbDir,
            });
          },
        },
        {
          provide: DataSource,
          inject: [POOLS_OPTIONS, POOLS_DATABASE],
          useFactory: async (resolved: PoolsModuleOptions, database: ResolvedDatabase) => {
            const dataSource = new DataSource(
              buildDataSourceOptions(database.url, {
                embedded: database.embedded !== null,
                poolSize: resolved.poolSize,
                applicationName: resolved.applicationName,
              }),
            );
            try {
              return await dataSource.initialize();
            } catch (error) {
              await database.close();
              throw error;
            }
          },
        },
        PoolsDatabaseLifecycle,
      ],
      exports: [POOLS_OPTIONS, POOLS_DATABASE, DataSource],
    };
    return {
      module: PoolsModule,
      imports: [databaseModule, AccessModule],
      providers: [
        ...SERVICES,
        {
          provide: TokenCipher,
          inject: [POOLS_OPTIONS],
          useFactory: (resolved: PoolsModuleOptions) => TokenCipher.fromKeyList(resolved.tokenEncryptionKeys),
        },
      ],
      exports: [...SERVICES, TokenCipher, AccessModule],
    };
  }
}
