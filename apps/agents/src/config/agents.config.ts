import { z } from 'zod';
import { env, parseEnv } from '@app/config';
import { lifecycleEnvShape } from '@app/lifecycle';
import { poolsEnvShape } from '@app/pools';
import { runnerIdSchema } from '@app/protocol';
import { lavalinkNodesField } from './lavalink-nodes';

/**
 * Environment of the agent runner process, validated at boot (SPEC §2, §4):
 * - `AGENT_CONTROL_URL`: the controller's agent gateway, `ws://` or `wss://` (required).
 * - `RUNNER_ID`, `RUNNER_SECRET` (secret): the runner credential issued by the admin API / CLI.
 * - `RUNNER_CAPACITY`: agent identities this runner carries at most (default 50, 1–1000).
 * - `LEASE_TTL_SECONDS`: lease lifetime, renewed every third of it (default 60, 5–3600).
 * - `DISCORD_API_URL`: Discord REST base (default `https://discord.com/api`; the sandbox in tests).
 * - `LAVALINK_NODES` (secret): `id=http://host:port#password`, comma-separated (see
 *   `parseLavalinkNodes`); unset = no music.
 * - `LAVALINK_RETRY_DELAY_MS`: delay between node reconnect attempts (default 5000).
 * - `LAVALINK_RESUME_TIMEOUT_SECONDS`: Lavalink session resume timeout (default 60; 0 disables
 *   resuming, players are then rebuilt after a node comes back).
 * - `TTS_URL`: text-to-speech HTTP endpoint for the voice assistant, `http(s)://` (e.g.
 *   `http://tts:5002/tts`); `assistant.say` fetches `TTS_URL?text=…&voice=…` through Lavalink's
 *   `http` source. Unset = no assistant (the runner does not offer the `assistant` capability).
 * - `TTS_VOICE`: voice name sent to the TTS endpoint (default `default`, `[A-Za-z0-9_-]{1,32}`).
 * - `HEALTH_PORT` (default 8081), `HTTP_HOST` (default `0.0.0.0`).
 * - `CONTROL_RECONNECT_BASE_MS` / `CONTROL_RECONNECT_MAX_MS`: control socket backoff (default
 *   500 ms doubling up to 30 000 ms, jittered).
 * - `DRAIN_TIMEOUT_MS`: how long a drain waits for in-flight calls (default 3000, at
 *   most 5000 so the whole drain fits the 10 s shutdown deadline).
 * - `METRICS_TOKEN` (secret, optional): when set, `/metrics` needs `Authorization: Bearer <token>`.
 * Plus the pools slice (`DATABASE_URL`, `TOKEN_ENCRYPTION_KEYS`, …) and lifecycle slice.
 */
export const agentsEnvSchema = z.object({
  ...lifecycleEnvShape,
  ...poolsEnvShape,
  AGENT_CONTROL_URL: env.url(['ws:', 'wss:']),
  RUNNER_ID: z.preprocess((value) => (value === '' ? undefined : value), runnerIdSchema),
  RUNNER_SECRET: env.string(),
  RUNNER_CAPACITY: env.int(50, 1, 1000),
  LEASE_TTL_SECONDS: env.int(60, 5, 3600),
  DISCORD_API_URL: env.url(['http:', 'https:'], 'https://discord.com/api'),
  LAVALINK_NODES: lavalinkNodesField,
  LAVALINK_RETRY_DELAY_MS: env.int(5000, 100, 60_000),
  LAVALINK_RESUME_TIMEOUT_SECONDS: env.int(60, 0, 3600),
  CONTROL_RECONNECT_BASE_MS: env.int(500, 10, 60_000),
  CONTROL_RECONNECT_MAX_MS: env.int(30_000, 100, 30_000),
  DRAIN_TIMEOUT_MS: env.int(3000, 0, 5000),
  METRICS_TOKEN: env.optionalString(),
  TTS_URL: env.optionalUrl(['http:', 'https:']),
  TTS_VOICE: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, _ or -')
      .default('default'),
  ),
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
 * @throws EnvValidationError naming each missing or malformed variable (never a value)
 */
export function loadAgentsConfig(source: Record<string, string | undefined> = process.env): AgentsConfig {
  return parseEnv(agentsEnvSchema, source);
}
