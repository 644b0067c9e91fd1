import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { SessionLedgerEntry } from './entities';
import {
  DEFAULT_LEDGER_PAGE_SIZE,
  LEDGER_KINDS,
  LedgerEvent,
  type LedgerKind,
  MAX_LEDGER_PAGE_SIZE,
} from './ledger.constants';
import { LedgerException, LedgerExceptionCode } from './ledger.exception';

/** Filters of {@link LedgerQuery.list}. Every field is optional. */
export interface LedgerListQuery {
  /** Only this guild's rows (served by the `(guild_id, occurred_at, id)` index). */
  guildId?: string;
  /** Rows that happened at or after this instant. */
  from?: Date;
  /** Rows that happened before this instant (exclusive). */
  to?: Date;
  event?: LedgerEvent;
  kind?: LedgerKind;
  /** Page size 1–200 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page: continues after its last row. */
  cursor?: string;
}

/** One ledger row as returned to the admin API and the dashboard. */
export interface LedgerEntryView {
  /** bigserial as a decimal string. */
  id: string;
  guildId: string;
  channelId: string;
  kind: LedgerKind;
  event: LedgerEvent;
  agentId: string | null;
  previousAgentId: string | null;
  sessionId: string | null;
  reason: string | null;
  actor: string | null;
  latencySeconds: number | null;
  occurredAt: Date;
}

/** A page of ledger rows, newest first. */
export interface LedgerPage {
  items: LedgerEntryView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Cursor payload: the (occurred_at, id) of the last row of a page. */
const cursorSchema = z.tuple([z.iso.datetime(), z.string().regex(/^[1-9][0-9]{0,18}$/)]);

/**
 * Reads the lease ledger (`session_ledger`) newest first, by guild, time range, event and kind,
 * with keyset pagination: the opaque cursor carries the `(occurred_at, id)` of a page's last row,
 * so pages stay stable while new rows arrive and deep pages cost the same as the first.
 */
@Injectable()
export class LedgerQuery {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of rows ordered by `occurred_at DESC, id DESC`.
   * @throws LedgerException INVALID_INPUT for a limit outside 1–200, an invalid date or
   *   `from` after `to`; INVALID_CURSOR for a cursor this method did not produce
   */
  async list(query: LedgerListQuery = {}): Promise<LedgerPage> {
    const limit = query.limit ?? DEFAULT_LEDGER_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEDGER_PAGE_SIZE) {
      throw new LedgerException(
        LedgerExceptionCode.InvalidInput,
        `limit must be a whole number from 1 to ${MAX_LEDGER_PAGE_SIZE}`,
      );
    }
    for (const [name, value] of [
      ['from', query.from],
      ['to', query.to],
    ] as const) {
      if (value !== undefined && Number.isNaN(value.getTime())) {
        throw new LedgerException(LedgerExceptionCode.InvalidInput, `${name} is not a valid date`);
      }
    }
    if (query.from && query.to && query.from.getTime() > query.to.getTime()) {
      throw new LedgerException(LedgerExceptionCode.InvalidInput, 'from must not be after to');
    }
    if (query.event !== undefined && !Object.values(LedgerEvent).includes(query.event)) {
      throw new LedgerException(
        LedgerExceptionCode.InvalidInput,
        `unknown ledger event ${String(query.event)}`,
      );
    }
    if (query.kind !== undefined && !LEDGER_KINDS.includes(query.kind)) {
      throw new LedgerException(
        LedgerExceptionCode.InvalidInput,
        `unknown session kind ${String(query.kind)}`,
      );
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);

    const qb = this.dataSource
      .getRepository(SessionLedgerEntry)
      .createQueryBuilder('l')
      .orderBy('l.occurred_at', 'DESC')
      .addOrderBy('l.id', 'DESC')
      .limit(limit + 1);
    if (query.guildId !== undefined) qb.andWhere('l.guild_id = :guildId', { guildId: query.guildId });
    if (query.from) qb.andWhere('l.occurred_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('l.occurred_at < :to', { to: query.to });
    if (query.event) qb.andWhere('l.event = :event', { event: query.event });
    if (query.kind) qb.andWhere('l.kind = :kind', { kind: query.kind });
    if (after) {
      qb.andWhere('(l.occurred_at, l.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS bigint))', {
        afterAt: after.occurredAt,
        afterId: after.id,
      });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit).map(toView);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(last.occurredAt, last.id) : null,
    };
  }
}

/** The opaque cursor of a row: base64url of `[occurredAt ISO, id]`. */
export function encodeCursor(occurredAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([occurredAt.toISOString(), id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { occurredAt: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success)
    throw new LedgerException(LedgerExceptionCode.InvalidCursor, 'the cursor is not valid');
  return { occurredAt: result.data[0], id: result.data[1] };
}

function toView(row: SessionLedgerEntry): LedgerEntryView {
  return {
    id: row.id,
    guildId: row.guildId,
    channelId: row.channelId,
    kind: row.kind,
    event: row.event,
    agentId: row.agentId,
    previousAgentId: row.previousAgentId,
    sessionId: row.sessionId,
    reason: row.reason,
    actor: row.actor,
    latencySeconds: row.latencySeconds,
    occurredAt: row.occurredAt,
  };
}
