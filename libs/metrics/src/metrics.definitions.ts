/**
 * Every Chopsticks application metric, declared once (SPEC §8). Names follow
 * `chopsticks_<subsystem>_<name>_<unit>`: seconds, `_total` on counters, `_ratio` for 0–1.
 *
 * Each label has an allow-list of values. Label values are always drawn from these lists
 * (B23: never a guild, user, channel or agent id). A list that contains {@link OTHER_LABEL_VALUE}
 * is open-ended at the call site: any value outside the list is recorded as `other`, so
 * cardinality stays bounded even when a new RPC op or error code appears.
 *
 * `apps` says which processes expose the metric; each app's registry only holds its own, so
 * an alert on the controller's agent counts never sees zeros from the dashboard.
 */

/** The Nest apps that expose metrics (SPEC §1). */
export const METRICS_APPS = ['controller', 'agents', 'dashboard', 'funhub'] as const;
/** One of {@link METRICS_APPS}. */
export type MetricsApp = (typeof METRICS_APPS)[number];

/** Value recorded for an open-ended label when the caller passes something outside the list. */
export const OTHER_LABEL_VALUE = 'other';

/** Label name → allowed values. */
export type LabelSpec = Readonly<Record<string, readonly string[]>>;

/** Shape shared by every declaration. */
interface BaseDefinition {
  readonly name: string;
  readonly help: string;
  readonly labels: LabelSpec;
  readonly apps: readonly MetricsApp[];
}
/** A counter: only goes up; name ends in `_total`. */
export interface CounterDefinition extends BaseDefinition {
  readonly type: 'counter';
}
/** A gauge: a value that goes up and down. */
export interface GaugeDefinition extends BaseDefinition {
  readonly type: 'gauge';
}
/** A histogram in seconds with fixed bucket upper bounds. */
export interface HistogramDefinition extends BaseDefinition {
  readonly type: 'histogram';
  readonly buckets: readonly number[];
}
/** Any metric declaration. */
export type MetricDefinition = CounterDefinition | GaugeDefinition | HistogramDefinition;

const ALL_APPS = METRICS_APPS;
const KIND = ['music', 'assistant'] as const;
/** Top-level slash commands (SPEC §6); anything else is `other`. */
const COMMAND = ['agents', 'pools', 'music', 'assistant', 'fun', OTHER_LABEL_VALUE] as const;
/** Agent RPC ops: the `rpcOps` keys of `@app/protocol` (SPEC §4); anything else is `other`. */
const RPC_OP = [
  'voice.join',
  'voice.leave',
  'music.play',
  'music.search',
  'music.skip',
  'music.pause',
  'music.resume',
  'music.stop',
  'music.volume',
  'music.queue',
  'music.nowplaying',
  'music.remove',
  'music.move',
  'music.shuffle',
  'music.clear',
  'music.loop',
  'assistant.join',
  'assistant.say',
  'assistant.leave',
  'assistant.status',
  'session.resume',
  'session.report',
  'status',
  OTHER_LABEL_VALUE,
] as const;
/** RPC failure codes: `ProtocolErrorCode` wire strings of `@app/protocol` an RPC can end with. */
const RPC_ERROR_CODE = [
  'agent-offline',
  'agent-timeout',
  'agent-busy',
  'circuit-open',
  'unsupported-op',
  'invalid-params',
  'frame-invalid',
  'not-in-voice',
  'not-playing',
  'queue-index-out-of-range',
  'no-results',
  'lavalink-unavailable',
  'no-session',
  'internal',
  OTHER_LABEL_VALUE,
] as const;

/** Allocation latency: an in-memory decision, 10 µs (floor) to 1 s (pathological). */
const ALLOCATION_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1,
] as const;
/** RPC round trips: ~100 µs on loopback up to the per-call timeout. */
const RPC_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;
/** HTTP API requests: sub-millisecond in-memory answers up to a slow client's seconds. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** HTTP response classes (429 on its own). */
const HTTP_OUTCOME = ['success', 'redirect', 'client-error', 'rate-limited', 'server-error'] as const;
/** FunHub routes (`/api/fun/<endpoint>`, `/docs`); health, metrics and unknown paths are `other`. */
const FUNHUB_ENDPOINT = ['catalog', 'random', 'render', 'pack', 'docs', OTHER_LABEL_VALUE] as const;
/** Slash commands: a few ms up to the 15-minute follow-up window's practical ceiling. */
const COMMAND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * The declarations, keyed by the accessor name on `ChopsticksMetrics`
 * (e.g. `metrics.agentConnected.set(3)`).
 */
export const METRIC_DEFINITIONS = {
  // --- runbook contract (SPEC §8): names and labels are fixed ---
  agentConnected: {
    type: 'gauge',
    name: 'chopsticks_agent_connected',
    help: 'Agents with a live, authenticated control connection to the controller.',
    labels: {},
    apps: ['controller'],
  },
  agentReady: {
    type: 'gauge',
    name: 'chopsticks_agent_ready',
    help: 'Connected agents whose Discord identity is ready to take sessions.',
    labels: {},
    apps: ['controller'],
  },
  agentBusy: {
    type: 'gauge',
    name: 'chopsticks_agent_busy',
    help: 'Agents currently holding a session, by session kind.',
    labels: { kind: KIND },
    apps: ['controller'],
  },
  agentUptimeSeconds: {
    type: 'gauge',
    name: 'chopsticks_agent_uptime_seconds',
    help: 'Connection uptime across connected agents in seconds (min, max, avg).',
    labels: { stat: ['min', 'max', 'avg'] },
    apps: ['controller'],
  },
  poolUtilizationRatio: {
    type: 'gauge',
    name: 'chopsticks_pool_utilization_ratio',
    help: 'Busy agents / ready agents (0 when none are ready), overall and by session kind.',
    labels: { kind: ['overall', ...KIND] },
    apps: ['controller'],
  },
  agentDeployments: {
    type: 'counter',
    name: 'chopsticks_agent_deployments_total',
    help: 'Finished deploy-verification jobs by outcome.',
    labels: { success: ['true', 'false'] },
    apps: ['controller'],
  },
  sessionAllocationDuration: {
    type: 'histogram',
    name: 'chopsticks_session_allocation_duration_seconds',
    help: 'Time to decide a session allocation (agent selection and booking), in seconds.',
    labels: {},
    apps: ['controller'],
    buckets: ALLOCATION_BUCKETS,
  },
  commandDuration: {
    type: 'histogram',
    name: 'chopsticks_command_duration_seconds',
    help: 'Slash command handling time from interaction receipt to final reply, in seconds.',
    labels: { command: COMMAND },
    apps: ['controller'],
    buckets: COMMAND_BUCKETS,
  },
  rateLimitHits: {
    type: 'counter',
    name: 'chopsticks_rate_limit_hits_total',
    help: 'Requests refused by a rate limit, by limit type.',
    labels: { type: ['command', 'funhub', 'admin-api', 'dashboard'] },
    apps: ['controller', 'dashboard', 'funhub'],
  },
  // --- sessions ---
  sessionAllocations: {
    type: 'counter',
    name: 'chopsticks_session_allocations_total',
    help: 'Session allocation requests by kind and outcome.',
    labels: {
      kind: KIND,
      outcome: ['ok', 'reused', 'no-agents-in-guild', 'no-free-agents', 'pool-not-accessible'],
    },
    apps: ['controller'],
  },
  sessionReleases: {
    type: 'counter',
    name: 'chopsticks_session_releases_total',
    help: 'Released sessions by kind and reason (idle = the idle sweep; agent-disconnected = a moderator disconnected the agent; error = the agent lost the session).',
    labels: {
      kind: KIND,
      reason: [
        'user',
        'admin',
        'idle',
        'channel-empty',
        'agent-offline',
        'agent-disconnected',
        'shutdown',
        'error',
      ],
    },
    apps: ['controller'],
  },
  sessionFailovers: {
    type: 'counter',
    name: 'chopsticks_session_failovers_total',
    help: 'Music session failovers after an agent died, by outcome.',
    labels: { outcome: ['ok', 'no-free-agents', 'failed'] },
    apps: ['controller'],
  },
  sessionsActive: {
    type: 'gauge',
    name: 'chopsticks_sessions_active',
    help: 'Live sessions by kind.',
    labels: { kind: KIND },
    apps: ['controller'],
  },
  // --- lease ledger (libs/ledger) ---
  ledgerRowsWritten: {
    type: 'counter',
    name: 'chopsticks_ledger_rows_written_total',
    help: 'Lease-ledger rows (allocate, release, failover) written to Postgres.',
    labels: {},
    apps: ['controller'],
  },
  ledgerRowsDropped: {
    type: 'counter',
    name: 'chopsticks_ledger_rows_dropped_total',
    help: 'Lease-ledger rows lost: buffer full (oldest dropped), invalid, rejected by Postgres, or unwritten at shutdown.',
    labels: { reason: ['buffer-full', 'invalid', 'rejected', 'shutdown'] },
    apps: ['controller'],
  },
  ledgerFlushErrors: {
    type: 'counter',
    name: 'chopsticks_ledger_flush_errors_total',
    help: 'Failed lease-ledger batch INSERTs (retried with backoff unless Postgres rejected the rows).',
    labels: {},
    apps: ['controller'],
  },
  ledgerBufferedRows: {
    type: 'gauge',
    name: 'chopsticks_ledger_buffered_rows',
    help: 'Lease-ledger rows recorded in memory and not yet written.',
    labels: {},
    apps: ['controller'],
  },
  // --- agent protocol (controller side) ---
  rpcDuration: {
    type: 'histogram',
    name: 'chopsticks_rpc_duration_seconds',
    help: 'Controller-to-agent RPC round-trip time by op, in seconds (answered calls only).',
    labels: { op: RPC_OP },
    apps: ['controller'],
    buckets: RPC_BUCKETS,
  },
  rpcErrors: {
    type: 'counter',
    name: 'chopsticks_rpc_errors_total',
    help: 'Failed controller-to-agent RPCs by op and error code.',
    labels: {
      op: RPC_OP,
      code: RPC_ERROR_CODE,
    },
    apps: ['controller'],
  },
  gatewayConnections: {
    type: 'gauge',
    name: 'chopsticks_gateway_connections',
    help: 'Open WebSocket connections on the agent gateway (authenticated or not).',
    labels: {},
    apps: ['controller'],
  },
  gatewayRejectedRegistrations: {
    type: 'counter',
    name: 'chopsticks_gateway_rejected_registrations_total',
    help: 'Agent gateway hellos or agent announcements refused, by reason (ProtocolErrorCode).',
    labels: {
      reason: [
        'auth-failed',
        'version-required',
        'version-unsupported',
        'hello-required',
        'agent-not-leased',
        'connection-limit',
        'frame-invalid',
        OTHER_LABEL_VALUE,
      ],
    },
    apps: ['controller'],
  },
  gatewayFramesDropped: {
    type: 'counter',
    name: 'chopsticks_gateway_frames_dropped_total',
    help: 'Agent gateway frames ignored, by reason (ProtocolErrorCode; hello-required = before auth).',
    labels: {
      reason: ['rate-limited', 'frame-too-large', 'frame-invalid', 'hello-required', OTHER_LABEL_VALUE],
    },
    apps: ['controller'],
  },
  // --- commands ---
  commands: {
    type: 'counter',
    name: 'chopsticks_commands_total',
    help: 'Handled slash commands by top-level command and final status (refused = no agent could be allocated).',
    labels: {
      command: COMMAND,
      status: ['ok', 'error', 'refused', 'rate-limited', 'duplicate', 'denied', 'invalid'],
    },
    apps: ['controller'],
  },
  // --- dependencies ---
  dependencyUp: {
    type: 'gauge',
    name: 'chopsticks_dependency_up',
    help: '1 when the dependency answered its last readiness check, 0 when it did not.',
    labels: { dependency: ['postgres', 'redis', 'discord', 'agent_gateway', 'lavalink'] },
    apps: ALL_APPS,
  },
  lavalinkNodes: {
    type: 'gauge',
    name: 'chopsticks_lavalink_nodes',
    help: 'Configured Lavalink nodes by connection state.',
    labels: { state: ['connected', 'disconnected'] },
    apps: ['agents', 'controller'],
  },
  rateLimiterBackendErrors: {
    type: 'counter',
    name: 'chopsticks_rate_limiter_backend_errors_total',
    help: 'Rate-limiter calls that failed on the backend (Redis), by the configured failure mode.',
    labels: { mode: ['fail-open', 'fail-closed'] },
    apps: ['controller', 'dashboard', 'funhub'],
  },
  // --- FunHub ---
  funhubRequests: {
    type: 'counter',
    name: 'chopsticks_funhub_requests_total',
    help: 'FunHub HTTP requests by API endpoint and outcome (2xx success, 3xx redirect, 4xx client-error except 429 rate-limited, 5xx server-error).',
    labels: { endpoint: FUNHUB_ENDPOINT, outcome: HTTP_OUTCOME },
    apps: ['funhub'],
  },
  funhubRequestDuration: {
    type: 'histogram',
    name: 'chopsticks_funhub_request_duration_seconds',
    help: 'FunHub HTTP request handling time by API endpoint, in seconds.',
    labels: { endpoint: FUNHUB_ENDPOINT },
    apps: ['funhub'],
    buckets: HTTP_BUCKETS,
  },
  // --- agent runner ---
  runnerLeasesHeld: {
    type: 'gauge',
    name: 'chopsticks_runner_leases_held',
    help: 'Agent leases this runner currently holds.',
    labels: {},
    apps: ['agents'],
  },
  runnerLeaseLosses: {
    type: 'counter',
    name: 'chopsticks_runner_lease_losses_total',
    help: 'Leases this runner lost before releasing them (expired or taken over).',
    labels: {},
    apps: ['agents'],
  },
  runnerIdentities: {
    type: 'gauge',
    name: 'chopsticks_runner_identities',
    help: 'Agent Discord identities run by this runner, by login state.',
    labels: { state: ['connecting', 'ready', 'failed'] },
    apps: ['agents'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** The declarations map's type. */
export type MetricDefinitions = typeof METRIC_DEFINITIONS;
/** Accessor names, e.g. `'agentConnected'`. */
export type MetricKey = keyof MetricDefinitions;
/** Every declared metric name, e.g. `'chopsticks_agent_connected'`. */
export type MetricName = MetricDefinitions[MetricKey]['name'];
