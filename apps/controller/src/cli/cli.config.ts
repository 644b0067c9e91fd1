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
