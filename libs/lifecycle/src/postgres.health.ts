import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** How long a readiness probe waits for Postgres before reporting it down. */
export const POSTGRES_PROBE_TIMEOUT_MS = 2_000;

/** Readiness of Postgres: `SELECT 1` on the app's data source within {@link POSTGRES_PROBE_TIMEOUT_MS}. */
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
