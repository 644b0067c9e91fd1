/** The one JSON object `npm run demo -- --once --json` prints (its exact shape). */
export interface DemoSummary {
  agents: { registered: number; connected: number; ready: number };
  guilds: number;
  commands: { sent: number; ok: number; failed: number; rateLimited: number };
  sessions: { allocated: number; released: number; failovers: number };
  tracks: { started: number; ended: number };
  allocationSeconds: { p50: number; p99: number };
  metrics: { scraped: number; missing: string[] };
  errors: string[];
}

/** A summary with every count at zero. */
export function emptySummary(): DemoSummary {
  return {
    agents: { registered: 0, connected: 0, ready: 0 },
    guilds: 0,
    commands: { sent: 0, ok: 0, failed: 0, rateLimited: 0 },
    sessions: { allocated: 0, released: 0, failovers: 0 },
    tracks: { started: 0, ended: 0 },
    allocationSeconds: { p50: 0, p99: 0 },
    metrics: { scraped: 0, missing: [] },
    errors: [],
  };
}

/** Runbook metric names (docs/OPS.md) that `/metrics-app` must expose. */
export const RUNBOOK_METRICS: readonly string[] = [
  'chopsticks_agent_connected',
  'chopsticks_agent_ready',
  'chopsticks_agent_busy',
  'chopsticks_agent_uptime_seconds',
  'chopsticks_pool_utilization_ratio',
  'chopsticks_agent_deployments_total',
  'chopsticks_session_allocation_duration_seconds',
  'chopsticks_command_duration_seconds',
  'chopsticks_rate_limit_hits_total',
];

/** Rejects with an Error naming `step` when `work` does not settle within `timeoutMs`. */
export async function within<T>(step: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every 25 ms until it returns true.
 * @throws Error naming `step` (and `detail()` when given) after `timeoutMs`
 */
export async function until(
  step: string,
  timeoutMs: number,
  check: () => boolean,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`${step}: timed out after ${timeoutMs} ms${detail ? ` (${detail()})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
