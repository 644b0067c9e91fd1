import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { redactUrl } from '@app/config';
import { DataSource } from 'typeorm';
import { ResolvedDatabase } from './database/resolve-database';
import { POOLS_DATABASE } from './pools.constants';

/**
 * Closes the database in order on shutdown: the TypeORM pool first, then the embedded server
 * (if this process serves one). Whichever of this hook and TypeORM's own runs first, the data
 * source is destroyed exactly once before the embedded server stops.
 */
@Injectable()
export class PoolsDatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(PoolsDatabaseLifecycle.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(POOLS_DATABASE) private readonly database: ResolvedDatabase,
  ) {
    this.logger.log(
      `Database ${database.embedded ? 'embedded (PGlite)' : 'external'}: ${redactUrl(database.url)}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.database.close();
  }
}
