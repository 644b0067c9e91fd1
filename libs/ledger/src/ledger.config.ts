import { env } from '@app/config';
import { z } from 'zod';
import {
  DEFAULT_LEDGER_BATCH_SIZE,
  DEFAULT_LEDGER_BUFFER_CAPACITY,
  DEFAULT_LEDGER_FLUSH_INTERVAL_MS,
} from './ledger.constants';

/**
 * Environment slice of the lease ledger, composed into the controller's schema:
 * - `LEDGER_BATCH_SIZE`: rows per INSERT, and the backlog that flushes before the interval
 *   (1–1000, default 100).
 * - `LEDGER_FLUSH_INTERVAL_MS`: longest a row waits in memory before it is written (ms,
 *   10–60 000, default 1000).
 * - `LEDGER_BUFFER_CAPACITY`: most rows held while Postgres is slow or down; beyond it the oldest
 *   are dropped and counted (100–1 000 000, default 10 000).
 */
export const ledgerEnvShape = {
  LEDGER_BATCH_SIZE: env.int(DEFAULT_LEDGER_BATCH_SIZE, 1, 1000),
  LEDGER_FLUSH_INTERVAL_MS: env.int(DEFAULT_LEDGER_FLUSH_INTERVAL_MS, 10, 60_000),
  LEDGER_BUFFER_CAPACITY: env.int(DEFAULT_LEDGER_BUFFER_CAPACITY, 100, 1_000_000),
};

/** Parsed ledger environment. */
export type LedgerEnv = z.output<z.ZodObject<typeof ledgerEnvShape>>;

/** Options of `LedgerModule.forRoot` / `forRootAsync`; every field has the default above. */
export interface LedgerModuleOptions {
  /** Rows per INSERT and the backlog that triggers an early flush. */
  batchSize?: number;
  /** Longest a buffered row waits before it is written (ms). */
  flushIntervalMs?: number;
  /** Most rows held in memory (oldest dropped beyond it). */
  bufferCapacity?: number;
}

/** Maps the parsed env slice to module options. */
export function ledgerOptionsFromEnv(parsed: LedgerEnv): LedgerModuleOptions {
  return {
    batchSize: parsed.LEDGER_BATCH_SIZE,
    flushIntervalMs: parsed.LEDGER_FLUSH_INTERVAL_MS,
    bufferCapacity: parsed.LEDGER_BUFFER_CAPACITY,
  };
}
