/** What a lease-ledger row records. Bounded set; matches the `session_ledger.event` CHECK. */
export enum LedgerEvent {
  /** An agent was bound to a session key (a command, or a failover taking over). */
  Allocate = 'allocate',
  /** A session ended and its agent became idle in the guild. */
  Release = 'release',
  /** A lost music session was handed (or could not be handed) to another agent. */
  Failover = 'failover',
}

/** Session kinds a row can carry; matches the `session_ledger.kind` CHECK and `@app/protocol`. */
export const LEDGER_KINDS = ['music', 'assistant'] as const;
/** One of {@link LEDGER_KINDS}. */
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** `actor` of rows nobody asked for (idle sweep, agent offline, failover). */
export const SYSTEM_ACTOR = 'system';

/** Rows per INSERT (and the buffer size that triggers a flush before the interval). */
export const DEFAULT_LEDGER_BATCH_SIZE = 100;
/** Longest a buffered row waits before it is written (ms). */
export const DEFAULT_LEDGER_FLUSH_INTERVAL_MS = 1000;
/** Most rows held in memory while Postgres is slow or down; the oldest are dropped beyond it. */
export const DEFAULT_LEDGER_BUFFER_CAPACITY = 10_000;
/** Longest wait between retries of a failed flush (ms); retries back off from the interval. */
export const LEDGER_MAX_RETRY_DELAY_MS = 30_000;
/** Flush attempts on shutdown before the remaining rows are counted as dropped. */
export const LEDGER_SHUTDOWN_FLUSH_ATTEMPTS = 3;

/** Page size of {@link LedgerQuery.list} when none is asked for. */
export const DEFAULT_LEDGER_PAGE_SIZE = 50;
/** Largest page {@link LedgerQuery.list} returns. */
export const MAX_LEDGER_PAGE_SIZE = 200;

/** Column widths of `session_ledger` (ids are Discord snowflakes or `agent<clientId>`). */
export const LEDGER_ID_MAX_LENGTH = 32;
export const LEDGER_AGENT_ID_MAX_LENGTH = 40;
export const LEDGER_REASON_MAX_LENGTH = 32;
export const LEDGER_ACTOR_MAX_LENGTH = 32;
