/**
 * Test infrastructure configuration (the only place the test harness reads `process.env`).
 * `TEST_POSTGRES_URL`: admin connection to the machine's Postgres (default trust auth on loopback).
 * `TEST_REDIS_URL`: the machine's Redis (default loopback, port 6379).
 * `PROMETHEUS_BIN`: the Prometheus binary of the O2 test (Debian package `prometheus`).
 */
export const testConfig = {
  postgresAdminUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  templateDatabase: 'chopsticks_template',
  prometheusBin: process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus',
};

/** `url` with its database name replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
