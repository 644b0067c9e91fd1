import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from './entities';

/** What happened, by whom, to what. `payload` must never contain secrets. */
export interface AuditEventInput {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  payload?: Record<string, unknown>;
  requestId?: string | null;
}

/** Filters for reading the audit log, newest first. `limit` 1–500 (default 50). */
export interface AuditListQuery {
  targetType?: string;
  targetId?: string;
  actor?: string;
  before?: Date;
  limit?: number;
}

/** Append-only audit log (`audit_events`). */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends one event. Pass the caller's `manager` so the event commits (or rolls back) with the
   * change it describes.
   */
  async record(
    event: AuditEventInput,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AuditEvent> {
    const row = manager.create(AuditEvent, {
      actor: event.actor,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId ?? null,
      payload: event.payload ?? {},
      requestId: event.requestId ?? null,
    });
    return manager.save(AuditEvent, row);
  }

  /** Reads events newest first. */
  async list(query: AuditListQuery = {}): Promise<AuditEvent[]> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const qb = this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit);
    if (query.targetType) qb.andWhere('e.target_type = :targetType', { targetType: query.targetType });
    if (query.targetId) qb.andWhere('e.target_id = :targetId', { targetId: query.targetId });
    if (query.actor) qb.andWhere('e.actor = :actor', { actor: query.actor });
    if (query.before) qb.andWhere('e.created_at < :before', { before: query.before });
    return qb.getMany();
  }
}
