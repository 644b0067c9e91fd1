import { env, loadEnvFile, parseEnv } from '@app/config';
import { DEFAULT_EMBEDDED_DB_DIR } from '@app/pools';
import { z } from 'zod';

/** Environment of `npm run migrate`: `DATABASE_URL` (unset → embedded), `EMBEDDED_DB_DIR`. */
export const migrateEnvSchema = z.object({
  DATABASE_URL: env.optionalUrl(['postgres:', 'postgresql:']),
  EMBEDDED_DB_DIR: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().min(1).default(DEFAULT_EMBEDDED_DB_DIR),
  ),
});

/**
 * Environment of `npm run ci:migrations`: `DATABASE_URL` is the admin connection used to create
 * (and drop) a temporary database; default `postgres://postgres@127.0.0.1:5432/postgres`.
 */
export const checkMigrationsEnvSchema = z.object({
  DATABASE_URL: env.url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/postgres'),
});

/** @throws EnvValidationError naming the bad variable. */
export function loadMigrateConfig(source: Record<string, string | undefined> = process.env) {
  if (source === process.env) loadEnvFile();
  return parseEnv(migrateEnvSchema, source);
}

/** @throws EnvValidationError naming the bad variable. */
export function loadCheckMigrationsConfig(source: Record<string, string | undefined> = process.env) {
  return parseEnv(checkMigrationsEnvSchema, source);
}
