import { Injectable } from '@nestjs/common';
import { type ApiKeyBinding, AuditEvent } from '@app/access';
import { DataSource } from 'typeorm';
import { DEFAULT_PAGE_SIZE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import { decodeCursor, encodeCursor, type Page } from './pagination';

/** Filters of {@link AuditEventsReader.page}; times are ISO 8601 instants. */
export interface AuditPageQuery {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

const LISTING = 'audit-events';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `created_at` as the reader writes it into a cursor: UTC with microseconds. */
const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** True for a cursor timestamp the reader could have written (a real UTC instant). */
export function isCursorTimestamp(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    CURSOR_TIMESTAMP.test(value) &&
    !value.startsWith('0000') &&
    !Number.isNaN(Date.parse(value)) &&
    new Date(value).toISOString().slice(0, 19) === value.slice(0, 19)
  );
}

/**
 * Reads the audit log newest first with keyset pagination on (`created_at`, `id`). The cursor
 * carries `created_at` as Postgres text (microseconds), so events written in one transaction —
 * which share a timestamp — are neither skipped nor repeated across pages.
 */
@Injectable()
export class AuditEventsReader {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of events. With a bound key's `binding`, only events whose target is the bound guild
   * (`guild`, id) or pool (`pool`, id), and the guild's session releases and pins (`session.*`
   * with the guild in the payload), are read, on top of the query's filters.
   * @throws AdminApiException INVALID_CURSOR
   */
  async page(
    query: AuditPageQuery,
    binding: ApiKeyBinding = { guildId: null, poolId: null },
  ): Promise<Page<AuditEvent>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .addSelect(`to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_ts')
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit + 1);
    const targets: string[] = [];
    if (binding.guildId !== null) {
      targets.push(`(e.target_type = 'guild' AND e.target_id = :boundGuildId)`);
      // Session releases and agent pins of the guild (their target is the session or agent).
      targets.push(
        `(e.target_type IN ('session', 'agent') AND e.action LIKE 'session.%' AND e.payload->>'guildId' = :boundGuildId)`,
      );
    }
    if (binding.poolId !== null) targets.push(`(e.target_type = 'pool' AND e.target_id = :boundPoolId)`);
    if (targets.length > 0)
      qb.andWhere(`(${targets.join(' OR ')})`, {
        boundGuildId: binding.guildId,
        boundPoolId: binding.poolId,
      });
    if (query.actor) qb.andWhere('e.actor = :actor', { actor: query.actor });
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.targetType) qb.andWhere('e.target_type = :targetType', { targetType: query.targetType });
    if (query.targetId) qb.andWhere('e.target_id = :targetId', { targetId: query.targetId });
    if (query.since) qb.andWhere('e.created_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('e.created_at < :until', { until: query.until });
    if (query.cursor !== undefined) {
      const key = decodeCursor(LISTING, query.cursor) as { t?: unknown; id?: unknown };
      if (!isCursorTimestamp(key?.t) || typeof key.id !== 'string' || !UUID.test(key.id))
        throw new AdminApiException(
          AdminApiErrorCode.InvalidCursor,
          'The cursor is not valid for this list.',
        );
      qb.andWhere('(e.created_at, e.id) < (CAST(:cursorTs AS timestamptz), CAST(:cursorId AS uuid))', {
        cursorTs: key.t,
        cursorId: key.id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const items = entities.slice(0, limit);
    const last = items.length > 0 && entities.length > limit ? items.length - 1 : -1;
    return {
      items,
      nextCursor: last >= 0 ? encodeCursor(LISTING, { t: raw[last].cursor_ts, id: items[last].id }) : null,
    };
  }
}
