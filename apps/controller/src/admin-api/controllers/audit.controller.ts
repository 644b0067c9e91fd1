import { Get, Query } from '@nestjs/common';
import { type ApiKeyBinding, ApiKeyScope } from '@app/access';
import { AdminBinding, AdminKeyBinding } from '../key-binding';
import { AdminApiController, AdminRoute } from '../admin-route.decorators';
import { AuditEventsReader } from '../audit-events.reader';
import { AuditEventPageDto, AuditListQueryDto } from '../dto/audit.dto';
import { toAuditEventDto } from '../view-mappers';

/** The append-only audit log (`/api/v1/audit-events`). */
@AdminApiController('audit-events', 'audit')
export class AuditAdminController {
  constructor(private readonly reader: AuditEventsReader) {}

  /**
   * Audit events newest first, filtered by actor, action, target and time. A key bound to a guild
   * or pool sees only the events whose target is that guild or pool.
   */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'list' }], pool: [{ in: 'list' }] })
  async list(
    @Query() query: AuditListQueryDto,
    @AdminKeyBinding() binding: ApiKeyBinding,
  ): Promise<AuditEventPageDto> {
    const page = await this.reader.page(query, binding);
    return { items: page.items.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}
