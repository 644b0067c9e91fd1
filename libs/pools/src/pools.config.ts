import { env } from '@app/config';
import { z } from 'zod';
import { DEFAULT_EMBEDDED_DB_DIR } from './database/resolve-database';

/**
 * Environment slice of the pools context, composed into each app's schema:
 * - `DATABASE_URL` (secret): Postgres URL; unset → embedded PGlite in `EMBEDDED_DB_DIR`.
 * - `TOKEN_ENCRYPTION_KEYS` (secret): ordered `keyId:base64key` list (32-byte keys); first
 *   encrypts. Required: without it agent tokens can be neither stored nor read.
 * - `EMBEDDED_DB_DIR`: folder of the embedded database (default `./.data/pglite`).
 * - `DATABASE_POOL_SIZE`: connections per process against a real Postgres (default 10).
 */
export const poolsEnvShape = {
  DATABASE_URL: env.optionalUrl(['postgres:', 'postgresql:']),
  TOKEN_ENCRYPTION_KEYS: env.string(),
  EMBEDDED_DB_DIR: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().min(1).default(DEFAULT_EMBEDDED_DB_DIR),
  ),
  DATABASE_POOL_SIZE: env.int(10, 1, 200),
};

/** Parsed pools environment. */
export type PoolsEnv = z.output<z.ZodObject<typeof poolsEnvShape>>;

/** Options of `PoolsModule.forRootAsync`. */
export interface PoolsModuleOptions {
  databaseUrl?: string;
  tokenEncryptionKeys: string;
  embeddedDbDir?: string;
  poolSize?: number;
  /** Shown in `pg_stat_activity.application_name` (e.g. `chopsticks-controller`). */
  applicationName?: string;
}

/** Maps the parsed env slice to module options. */
export function poolsOptionsFromEnv(parsed: PoolsEnv, applicationName?: string): PoolsModuleOptions {
  return {
    databaseUrl: parsed.DATABASE_URL,
    tokenEncryptionKeys: parsed.TOKEN_ENCRYPTION_KEYS,
    embeddedDbDir: parsed.EMBEDDED_DB_DIR,
    poolSize: parsed.DATABASE_POOL_SIZE,
    applicationName,
  };
}
