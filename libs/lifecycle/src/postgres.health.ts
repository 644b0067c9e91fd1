import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** How long a readiness probe waits for Postgres before reporting it down. */
export const POSTGRES_PROBE_TIMEOUT_MS = 2_000;

/**
 * Readiness of Postgres for `/readyz` (SPEC §7): `SELECT 1` on the app's TypeORM data source
 * within {@link POSTGRES_PROBE_TIMEOUT_MS}. Needs `TerminusModule` and a `DataSource` provider
 * (the pools context registers it globally) in the importing module.
 */
@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Reports `postgres: up`, or `down` with a short reason that never contains credentials. */
  async check() {
    const indicator = this.indicators.check('postgres');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), POSTGRES_PROBE_TIMEOUT_MS);
        }),
      ]);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  }
}
