import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/** Environment of the dashboard process, validated at boot (SPEC §2). */
export const dashboardEnvSchema = z.object({
  ...lifecycleEnvShape,
  /** HTTP port of the dashboard. */
  DASHBOARD_PORT: env.port(8788),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
  /** Secret: when set, /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: env.optionalString(),
  /** Secret: Redis URL; when set, /readyz probes it (and reports 503 while it is down). */
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
});

/** Validated dashboard configuration. */
export type DashboardConfig = z.output<typeof dashboardEnvSchema>;

/**
 * Reads and validates the dashboard's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable
 */
export function loadDashboardConfig(
  source: Record<string, string | undefined> = process.env,
): DashboardConfig {
  return parseEnv(dashboardEnvSchema, source);
}
