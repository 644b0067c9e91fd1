import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { ledgerEnvShape } from '@app/ledger';
import { lifecycleEnvShape } from '@app/lifecycle';
import { poolsEnvShape } from '@app/pools';
import { adminApiEnvShape } from '../admin-api/admin-api.config';
import { agentGatewayEnvShape } from '../agent-gateway';
import { discordEnvShape } from '../discord';
import { funEnvShape } from '../fun/fun.config';

/**
 * Environment of the controller process, validated at boot (SPEC §2). Unknown values of
 * enumerated settings and malformed numbers or URLs stop the process, naming the variable.
 */
export const controllerEnvSchema = z.object({
  ...lifecycleEnvShape,
  ...poolsEnvShape,
  ...ledgerEnvShape,
  ...agentGatewayEnvShape,
  ...discordEnvShape,
  ...adminApiEnvShape,
  ...funEnvShape,
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
  /**
   * How long (ms) an agent may stay not ready (Discord gateway lost, runner connected) while holding
   * a session before the session fails over to another agent (a normal resume takes a few seconds).
   */
  AGENT_NOT_READY_FAILOVER_MS: env.int(15_000, 1_000, 600_000),
  /**
   * How long (s) an agent holding a music session may have no connected Lavalink node before the
   * session fails over to an agent with a working node, or ends with a notice. Match the runners'
   * LAVALINK_RESUME_TIMEOUT_SECONDS.
   */
  LAVALINK_OUTAGE_SECONDS: env.int(60, 1, 3600),
  /**
   * Secret: Redis of the deploy-verification queue (BullMQ). Unset = deploy plans still work but
   * verification jobs are disabled (logged once at boot).
   */
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
  /** Redis key prefix of the controller's BullMQ queues (separates deployments sharing a Redis). */
  BULLMQ_PREFIX: env.string().default('chopsticks'),
  /** OAuth2 authorize URL of agent invite links (the sandbox's in development and tests). */
  DISCORD_OAUTH_URL: env.url(['http:', 'https:'], 'https://discord.com/oauth2/authorize'),
  /** How long invited agents may take to join before a deploy job fails (s). */
  DEPLOY_VERIFY_WINDOW_SECONDS: env.int(600, 1, 86_400),
  /** Delay between membership checks of a deploy job (ms). */
  DEPLOY_VERIFY_POLL_MS: env.int(5000, 50, 600_000),
  /** Attempts of a deploy job when its worker fails or crashes. */
  DEPLOY_VERIFY_ATTEMPTS: env.int(5, 1, 50),
  /** First retry delay of a deploy job, doubled per attempt (ms). */
  DEPLOY_VERIFY_BACKOFF_MS: env.int(2000, 10, 600_000),
  /**
   * Without `REDIS_URL`: run the deploy-verification queue on BullMQ's Postgres backend in
   * `DATABASE_URL` (or the embedded database) instead of disabling it (`npm run demo` sets it).
   */
  DEPLOY_QUEUE_POSTGRES: env.boolean(false),
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
