import type { LavalinkNodeConfig } from '../config/lavalink-nodes';
import type { AgentsConfig } from '../config/agents.config';
import type { TtsEndpoint } from '../identities/agent-assistant';

/** DI token of {@link RunnerOptions}. */
export const RUNNER_OPTIONS = Symbol('RUNNER_OPTIONS');

/** What the runner needs from the validated configuration. */
export interface RunnerOptions {
  runnerId: string;
  /** Runner secret (`RUNNER_SECRET`); sent only in `hello`. */
  runnerSecret: string;
  controlUrl: string;
  capacity: number;
  leaseTtlSeconds: number;
  discordApiUrl: string;
  lavalinkNodes: LavalinkNodeConfig[];
  lavalinkRetryDelayMs: number;
  /** Lavalink resume timeout in seconds (0 = no resuming). */
  lavalinkResumeTimeoutSeconds: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  drainTimeoutMs: number;
  /** TTS endpoint of the voice assistant (`TTS_URL`, `TTS_VOICE`); null = no assistant capability. */
  tts: TtsEndpoint | null;
}

/** Maps the validated environment to runner options. */
export function runnerOptionsFromConfig(config: AgentsConfig): RunnerOptions {
  return {
    runnerId: config.RUNNER_ID,
    runnerSecret: config.RUNNER_SECRET,
    controlUrl: config.AGENT_CONTROL_URL,
    capacity: config.RUNNER_CAPACITY,
    leaseTtlSeconds: config.LEASE_TTL_SECONDS,
    discordApiUrl: config.DISCORD_API_URL,
    lavalinkNodes: config.LAVALINK_NODES,
    lavalinkRetryDelayMs: config.LAVALINK_RETRY_DELAY_MS,
    lavalinkResumeTimeoutSeconds: config.LAVALINK_RESUME_TIMEOUT_SECONDS,
    reconnectBaseMs: config.CONTROL_RECONNECT_BASE_MS,
    reconnectMaxMs: config.CONTROL_RECONNECT_MAX_MS,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    tts: config.TTS_URL ? { url: config.TTS_URL, voice: config.TTS_VOICE } : null,
  };
}
