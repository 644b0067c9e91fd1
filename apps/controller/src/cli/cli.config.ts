import { randomBytes } from 'node:crypto';
import { env, EnvValidationError, loadEnvFile, parseEnv } from '@app/config';
import { poolsEnvShape } from '@app/pools';
import { z } from 'zod';

/**
 * Environment of the operator CLI: the pools slice (`DATABASE_URL`, `EMBEDDED_DB_DIR`, …) and
 * `DISCORD_API_URL` used to verify bot tokens (default Discord). `TOKEN_ENCRYPTION_KEYS` is
 * optional here: only the commands that encrypt or decrypt bot tokens require it (see
 * {@link requireTokenKeys}); when set it is always validated.
 */
export const cliEnvSchema = z.object({
  ...poolsEnvShape,
  TOKEN_ENCRYPTION_KEYS: env.optionalString(),
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
 * The configured `TOKEN_ENCRYPTION_KEYS`, for commands that encrypt or decrypt bot tokens.
 * @throws EnvValidationError naming TOKEN_ENCRYPTION_KEYS when it is not set.
 */
export function requireTokenKeys(config: CliConfig): string {
  if (config.TOKEN_ENCRYPTION_KEYS) return config.TOKEN_ENCRYPTION_KEYS;
  throw new EnvValidationError([
    {
      variable: 'TOKEN_ENCRYPTION_KEYS',
      message: 'is required by this command (it encrypts or decrypts bot tokens)',
    },
  ]);
}

/**
 * Key list for booting the pools context in a command that never touches bot tokens while
 * `TOKEN_ENCRYPTION_KEYS` is unset: one random key that lives only in this process. It opens no
 * stored token, and such commands never seal one (those call {@link requireTokenKeys}).
 */
export function processOnlyTokenKeys(): string {
  return `cli-process-only:${randomBytes(32).toString('base64')}`;
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
