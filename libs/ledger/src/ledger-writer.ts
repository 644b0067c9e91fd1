import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import { DataSource } from 'typeorm';
import { SessionLedgerEntry } from './entities';
import type { LedgerModuleOptions } from './ledger.config';
import {
  DEFAULT_LEDGER_BATCH_SIZE,
  DEFAULT_LEDGER_BUFFER_CAPACITY,
  DEFAULT_LEDGER_FLUSH_INTERVAL_MS,
  LEDGER_ACTOR_MAX_LENGTH,
  LEDGER_AGENT_ID_MAX_LENGTH,
  LEDGER_ID_MAX_LENGTH,
  LEDGER_KINDS,
  LEDGER_MAX_RETRY_DELAY_MS,
  LEDGER_REASON_MAX_LENGTH,
  LEDGER_SHUTDOWN_FLUSH_ATTEMPTS,
  LedgerEvent,
  type LedgerKind,
} from './ledger.constants';
import { LedgerException, LedgerExceptionCode } from './ledger.exception';
import { LEDGER_OPTIONS } from './ledger.module-definition';

/** One thing that happened to a session key, as handed to {@link LedgerWriter.record}. */
export interface LedgerEntryInput {
  event: LedgerEvent;
  guildId: string;
  /** The voice channel of the session key. */
  channelId: string;
  kind: LedgerKind;
  /** The session's agent; for a failover the agent that took over (null when none could). */
  agentId: string | null;
  /** Failover: the agent that was lost. */
  previousAgentId?: string | null;
  sessionId?: string | null;
  /** Release reason, failover outcome or allocation origin (≤ 32 chars). */
  reason?: string | null;
  /**
   * Discord user id, `system`, `api-key:<prefix>`, or null when unknown. Longer than 32
   * characters is truncated to 32 (the column's width) rather than dropping the entry.
   */
  actor?: string | null;
  /** Seconds, ≥ 0. */
  latencySeconds?: number | null;
  /** Default: now. */
  occurredAt?: Date;
}

/** A row as inserted (every column but the generated id). */
type LedgerRow = Omit<SessionLedgerEntry, 'id'>;

/** Why rows were dropped (`chopsticks_ledger_rows_dropped_total{reason}`). */
type DropReason = 'buffer-full' | 'invalid' | 'rejected' | 'shutdown';

const EVENTS = new Set<string>(Object.values(LedgerEvent));
const KINDS = new Set<string>(LEDGER_KINDS);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fixed-capacity FIFO; pushing into a full ring overwrites (and returns true for) the oldest. */
class RowRing {
  private readonly slots: (LedgerRow | undefined)[];
  private head = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<LedgerRow | undefined>(capacity);
  }

  /** O(1). Returns true when the oldest row was overwritten. */
  push(row: LedgerRow): boolean {
    if (this.size === this.capacity) {
      this.slots[this.head] = row;
      this.head = (this.head + 1) % this.capacity;
      return true;
    }
    this.slots[(this.head + this.size) % this.capacity] = row;
    this.size++;
    return false;
  }

  /** Removes and returns up to `count` oldest rows. */
  take(count: number): LedgerRow[] {
    const taken: LedgerRow[] = [];
    while (taken.length < count && this.size > 0) {
      taken.push(this.slots[this.head] as LedgerRow);
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    return taken;
  }
}

/**
 * Writes the lease ledger (`session_ledger`) off the hot path. {@link record} is synchronous and
 * O(1): it validates the entry and appends it to a bounded in-memory ring, never touching the
 * database. A timer writes batches — as soon as `batchSize` rows are waiting, otherwise after
 * `flushIntervalMs` — one multi-row INSERT per batch, one batch at a time. A failed INSERT keeps
 * its batch and retries with backoff (from the interval, doubling, capped at 30 s) while callers
 * keep recording. A batch the database rejects as data (SQLSTATE class 22/23 — it would fail on
 * every retry) is written again in halves down to single rows, so only the rows Postgres rejects
 * are dropped (logged once each with their key fields) and one bad row never stops the ledger. When more than `bufferCapacity` rows wait, the oldest are dropped.
 * Every drop counts in `chopsticks_ledger_rows_dropped_total{reason}`; written rows in
 * `chopsticks_ledger_rows_written_total`, failed INSERTs in `chopsticks_ledger_flush_errors_total`,
 * the backlog in `chopsticks_ledger_buffered_rows`. On application shutdown everything buffered is
 * written (a few attempts) before the database closes.
 */
@Injectable()
export class LedgerWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(LedgerWriter.name);
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly ring: RowRing;
  /** The batch being written, or waiting for a retry after a failed INSERT. */
  private batch: LedgerRow[] | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private retryDelayMs: number;
  private lastError: unknown = null;
  private closed = false;

  /**
   * @throws LedgerException INVALID_INPUT when an option is not a positive whole number
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: ChopsticksMetrics,
    @Inject(LEDGER_OPTIONS) options: LedgerModuleOptions = {},
  ) {
    this.batchSize = positive('batchSize', options.batchSize ?? DEFAULT_LEDGER_BATCH_SIZE);
    this.flushIntervalMs = positive(
      'flushIntervalMs',
      options.flushIntervalMs ?? DEFAULT_LEDGER_FLUSH_INTERVAL_MS,
    );
    this.ring = new RowRing(
      positive('bufferCapacity', options.bufferCapacity ?? DEFAULT_LEDGER_BUFFER_CAPACITY),
    );
    this.retryDelayMs = this.flushIntervalMs;
  }

  /** Rows recorded and not yet written (buffered plus the batch in flight or awaiting retry). */
  get pending(): number {
    return this.ring.size + (this.batch?.length ?? 0);
  }

  /**
   * Queues one ledger row. Synchronous, O(1), never awaits the database and never throws.
   * @returns false when the entry was dropped (invalid, or recorded after shutdown)
   */
  record(input: LedgerEntryInput): boolean {
    if (this.closed) {
      this.drop('shutdown', 1);
      return false;
    }
    const row = toRow(input);
    if (!row) {
      this.drop('invalid', 1);
      this.logger.warn(
        `dropped an invalid ledger entry (${String(input.event)} in guild ${String(input.guildId)})`,
      );
      return false;
    }
    if (this.ring.push(row)) this.drop('buffer-full', 1);
    if (this.running === null && this.batch === null) {
      this.schedule(this.ring.size >= this.batchSize ? 0 : this.flushIntervalMs);
    }
    return true;
  }

  /**
   * Writes everything recorded so far, now (waiting for a write already in flight).
   * @throws Error the database error when a batch could not be written (the rows stay buffered
   *   and are retried)
   */
  async flush(): Promise<void> {
    this.clearTimer();
    if (this.running) await this.running;
    await this.drain();
    if (this.batch)
      throw this.lastError instanceof Error ? this.lastError : new Error(String(this.lastError));
  }

  /** Writes what is buffered before the database closes; rows that still fail count as dropped. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (let attempt = 1; attempt <= LEDGER_SHUTDOWN_FLUSH_ATTEMPTS && this.pending > 0; attempt++) {
      try {
        await this.flush();
      } catch (error) {
        this.logger.warn(`ledger flush on shutdown failed (attempt ${attempt}): ${describe(error)}`);
      }
    }
    this.clearTimer();
    const lost = this.pending;
    if (lost > 0) {
      this.ring.take(this.ring.size);
      this.batch = null;
      this.drop('shutdown', lost);
      this.logger.error(`${lost} ledger row(s) could not be written before shutdown`);
    }
  }

  private schedule(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain().catch((error: unknown) => this.logger.error(`ledger drain failed: ${describe(error)}`));
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs one write loop at a time; callers share the running one. */
  private drain(): Promise<void> {
    this.running ??= this.writeAll().finally(() => {
      this.running = null;
      this.metrics.ledgerBufferedRows.set(this.pending);
      if (this.closed) return;
      if (this.batch) this.schedule(this.retryDelayMs);
      else if (this.ring.size > 0) this.schedule(this.ring.size >= this.batchSize ? 0 : this.flushIntervalMs);
    });
    return this.running;
  }

  private async writeAll(): Promise<void> {
    for (;;) {
      this.batch ??= this.ring.take(this.batchSize);
      const rows = this.batch;
      if (rows.length === 0) {
        this.batch = null;
        return;
      }
      this.metrics.ledgerBufferedRows.set(this.pending);
      try {
        await this.insert(rows);
        this.batch = null;
        this.retryDelayMs = this.flushIntervalMs;
      } catch (error) {
        this.metrics.ledgerFlushErrors.inc();
        const failure = isRejected(error) ? await this.isolateRejected(rows, error) : error;
        if (failure === null) {
          this.retryDelayMs = this.flushIntervalMs;
          continue;
        }
        this.lastError = failure;
        this.logger.warn(
          `ledger flush of ${this.batch?.length ?? 0} row(s) failed, retrying in ${this.retryDelayMs} ms: ${describe(failure)}`,
        );
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, LEDGER_MAX_RETRY_DELAY_MS);
        return;
      }
    }
  }

  /** One multi-row INSERT; counts the rows in `chopsticks_ledger_rows_written_total`. */
  private async insert(rows: LedgerRow[]): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(SessionLedgerEntry)
      .values(rows)
      .updateEntity(false)
      .execute();
    this.metrics.ledgerRowsWritten.inc(rows.length);
  }

  /**
   * A batch Postgres rejected as data (SQLSTATE class 22/23): writes it again in halves, down to
   * single rows, so only the rows Postgres rejects on their own are dropped (each counted as
   * `rejected` and logged once with its key fields) and the rest of the batch is written — about
   * 2·log2(batch) INSERTs per bad row. `this.batch` always holds the rows not yet settled, in
   * order, so a connectivity error part-way leaves exactly those for the retry.
   * @returns null when every row is settled, else the non-data database error that stopped it
   *   (the unsettled rows stay in `this.batch` for the retry)
   */
  private async isolateRejected(rows: LedgerRow[], rejection: unknown): Promise<unknown> {
    if (rows.length === 1) {
      this.dropRejected(rows[0], rejection);
      this.batch = null;
      return null;
    }
    const chunks = halves(rows);
    while (chunks.length > 0) {
      this.batch = chunks.flat();
      const chunk = chunks.shift() as LedgerRow[];
      try {
        await this.insert(chunk);
      } catch (error) {
        if (!isRejected(error)) return error;
        this.metrics.ledgerFlushErrors.inc();
        if (chunk.length > 1) chunks.unshift(...halves(chunk));
        else this.dropRejected(chunk[0], error);
      }
    }
    this.batch = null;
    return null;
  }

  /** Counts and logs (key fields only: ids, event, time — the ledger holds no secrets) one rejected row. */
  private dropRejected(row: LedgerRow, error: unknown): void {
    this.drop('rejected', 1);
    this.logger.error(
      `Postgres rejected a ledger row (${sqlState(error)}: ${describe(error)}); dropped it, writing the others: ` +
        `event=${row.event} kind=${row.kind} guild=${row.guildId} channel=${row.channelId} ` +
        `session=${row.sessionId ?? '-'} agent=${row.agentId ?? '-'} at=${describeDate(row.occurredAt)}`,
    );
  }

  private drop(reason: DropReason, count: number): void {
    this.metrics.ledgerRowsDropped.inc({ reason }, count);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new LedgerException(
      LedgerExceptionCode.InvalidInput,
      `ledger ${name} must be a positive whole number`,
    );
  }
  return value;
}

/** A non-empty string of at most `max` characters without NUL (Postgres text cannot hold it). */
function idOk(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0');
}

/**
 * The actor as stored: at most {@link LEDGER_ACTOR_MAX_LENGTH} characters (code points, as
 * Postgres counts a varchar's length), NUL characters removed (Postgres text cannot hold them);
 * null when absent or empty.
 */
function actorColumn(actor: string | null | undefined): string | null {
  if (actor === undefined || actor === null) return null;
  const kept = Array.from(actor.replace(/\0/g, '')).slice(0, LEDGER_ACTOR_MAX_LENGTH).join('');
  return kept.length > 0 ? kept : null;
}

function optionalOk(value: unknown, max: number): boolean {
  return value === undefined || value === null || idOk(value, max);
}

/** Validates an entry against the column types; null when it would be rejected. */
function toRow(input: LedgerEntryInput): LedgerRow | null {
  const occurredAt = input.occurredAt ?? new Date();
  const latency = input.latencySeconds ?? null;
  if (
    !EVENTS.has(input.event) ||
    !KINDS.has(input.kind) ||
    !idOk(input.guildId, LEDGER_ID_MAX_LENGTH) ||
    !idOk(input.channelId, LEDGER_ID_MAX_LENGTH) ||
    !optionalOk(input.agentId, LEDGER_AGENT_ID_MAX_LENGTH) ||
    !optionalOk(input.previousAgentId, LEDGER_AGENT_ID_MAX_LENGTH) ||
    !optionalOk(input.reason, LEDGER_REASON_MAX_LENGTH) ||
    !(input.actor === undefined || input.actor === null || typeof input.actor === 'string') ||
    (input.sessionId != null && !UUID.test(input.sessionId)) ||
    (latency !== null && !(Number.isFinite(latency) && latency >= 0)) ||
    !(occurredAt instanceof Date) ||
    Number.isNaN(occurredAt.getTime())
  ) {
    return null;
  }
  return {
    guildId: input.guildId,
    channelId: input.channelId,
    kind: input.kind,
    event: input.event,
    agentId: input.agentId ?? null,
    previousAgentId: input.previousAgentId ?? null,
    sessionId: input.sessionId ?? null,
    reason: input.reason ?? null,
    actor: actorColumn(input.actor),
    latencySeconds: latency,
    occurredAt,
  };
}

/** Data exceptions (22xxx) and integrity violations (23xxx) never succeed on retry. */
function isRejected(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function halves(rows: LedgerRow[]): LedgerRow[][] {
  const middle = Math.ceil(rows.length / 2);
  return [rows.slice(0, middle), rows.slice(middle)];
}

function sqlState(error: unknown): string {
  const code = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' ? `SQLSTATE ${code}` : 'SQLSTATE unknown';
}

function describeDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'invalid' : date.toISOString();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
