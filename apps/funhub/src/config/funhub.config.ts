import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';

/** Environment of the FunHub process, validated at boot (SPEC §2). */
export const funhubEnvSchema = z.object({
  ...lifecycleEnvShape,
  /** HTTP port of the FunHub. */
  FUNHUB_PORT: env.port(8790),
  /** Interface the HTTP server binds. */
  HTTP_HOST: env.string().default('0.0.0.0'),
  /** Secret: when set, /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: env.optionalString(),
  /** Secret: Redis URL; when set, /readyz probes it (and reports 503 while it is down). */
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
});

/** Validated FunHub configuration. */
export type FunhubConfig = z.output<typeof funhubEnvSchema>;

/**
 * Reads and validates the FunHub's environment.
 * @param source the environment (defaults to `process.env`)
 * @throws EnvValidationError naming each missing or malformed variable
 */
export function loadFunhubConfig(source: Record<string, string | undefined> = process.env): FunhubConfig {
  return parseEnv(funhubEnvSchema, source);
}
