import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/** Environment of the agent runner process, validated at boot (SPEC §2). */
export const agentsEnvSchema = z.object({
  ...lifecycleEnvShape,
  /** HTTP port of the agent runner. */
  HEALTH_PORT: env.port(8081),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
});

/** Validated agent runner configuration. */
export type AgentsConfig = z.output<typeof agentsEnvSchema>;

/**
 * Reads and validates the agent runner's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable
 */
export function loadAgentsConfig(source: Record<string, string | undefined> = process.env): AgentsConfig {
  return parseEnv(agentsEnvSchema, source);
}
