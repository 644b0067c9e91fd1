import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';
import { poolsEnvShape } from '@app/pools';
import { agentGatewayEnvShape } from '../agent-gateway';
import { discordEnvShape } from '../discord';

/**
 * Environment of the controller process, validated at boot (SPEC §2). Unknown values of
 * enumerated settings and malformed numbers or URLs stop the process, naming the variable.
 */
export const controllerEnvSchema = z.object({
  ...lifecycleEnvShape,
  ...poolsEnvShape,
  ...agentGatewayEnvShape,
  ...discordEnvShape,
  /** Secret: when set, /metrics and /metrics-app require `Authorization: Bearer <token>`. */
  METRICS_TOKEN: env.optionalString(),
  /** HTTP port for /healthz, /readyz, /metrics, /api/v1 and /docs. */
  HEALTH_PORT: env.port(8080),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
  /** Idle-release threshold (s) for guilds without an override (SPEC §5; default 30 min). */
  IDLE_RELEASE_SECONDS: env.int(1800, 1),
  /** Period of the idle-release sweep (s). */
  IDLE_SWEEP_INTERVAL_SECONDS: env.int(60, 1, 86_400),
});

/** Validated controller configuration. */
export type ControllerConfig = z.output<typeof controllerEnvSchema>;

/**
 * Reads and validates the controller's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable
 */
export function loadControllerConfig(
  source: Record<string, string | undefined> = process.env,
): ControllerConfig {
  return parseEnv(controllerEnvSchema, source);
}
