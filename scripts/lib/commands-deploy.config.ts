import { loadEnvFile, parseEnv } from '@app/config';
import { discordEnvShape } from '@apps/controller';
import { z } from 'zod';

/**
 * The only variables `commands:deploy` reads: the controller bot's token, its application id
 * (optional: asked from `GET /applications/@me`) and the REST base (the sandbox works too).
 */
export const deployEnvSchema = z.object({
  DISCORD_TOKEN: discordEnvShape.DISCORD_TOKEN,
  DISCORD_CLIENT_ID: discordEnvShape.DISCORD_CLIENT_ID,
  DISCORD_API_URL: discordEnvShape.DISCORD_API_URL,
});

/** Validated `commands:deploy` configuration. */
export type DeployConfig = z.output<typeof deployEnvSchema>;

/**
 * Reads {@link deployEnvSchema} (and `.env` when reading `process.env`).
 * @throws EnvValidationError naming the bad variable
 */
export function loadDeployConfig(source: Record<string, string | undefined> = process.env): DeployConfig {
  if (source === process.env) loadEnvFile();
  return parseEnv(deployEnvSchema, source);
}
