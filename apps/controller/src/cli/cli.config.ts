import { env, loadEnvFile, parseEnv } from '@app/config';
import { poolsEnvShape } from '@app/pools';
import { z } from 'zod';

/**
 * Environment of the operator CLI: the pools slice (`DATABASE_URL`, `TOKEN_ENCRYPTION_KEYS`,
 * `EMBEDDED_DB_DIR`, …) and `DISCORD_API_URL` used to verify bot tokens (default Discord).
 */
export const cliEnvSchema = z.object({
  ...poolsEnvShape,
  DISCORD_API_URL: env.url(['http:', 'https:'], 'https://discord.com/api'),
});

/** Validated CLI configuration. */
export type CliConfig = z.output<typeof cliEnvSchema>;

/**
 * Reads and validates the CLI environment.
 * @throws EnvValidationError naming each missing or malformed variable (never its value).
 */
export function loadCliConfig(source: Record<string, string | undefined> = process.env): CliConfig {
  if (source === process.env) loadEnvFile();
  return parseEnv(cliEnvSchema, source);
}

/**
 * Environment of the CLI commands that call the controller's admin API (`sessions list`):
 * `CHOPSTICKS_API_URL` (default `http://127.0.0.1:8080`) and the secret `CHOPSTICKS_API_KEY`
 * (a `read` key is enough). Both can be overridden with `--url` / `--api-key`.
 */
export const cliApiEnvSchema = z.object({
  CHOPSTICKS_API_URL: env.url(['http:', 'https:'], 'http://127.0.0.1:8080'),
  CHOPSTICKS_API_KEY: env.optionalString(),
});

/** Validated admin API settings of the CLI. */
export type CliApiConfig = z.output<typeof cliApiEnvSchema>;

/**
 * Reads the admin API settings of the CLI.
 * @throws EnvValidationError naming a malformed variable (never its value).
 */
export function loadCliApiConfig(source: Record<string, string | undefined> = process.env): CliApiConfig {
  if (source === process.env) loadEnvFile();
  return parseEnv(cliApiEnvSchema, source);
}
