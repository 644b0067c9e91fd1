import { Get, Query } from '@nestjs/common';
import { ApiKeyScope } from '@app/access';
import { AdminApiController, AdminRoute } from '../admin-route.decorators';
import { AuditEventsReader } from '../audit-events.reader';
import { AuditEventPageDto, AuditListQueryDto } from '../dto/audit.dto';
import { toAuditEventDto } from '../view-mappers';

/** The append-only audit log (`/api/v1/audit-events`). */
@AdminApiController('audit-events', 'audit')
export class AuditAdminController {
  constructor(private readonly reader: AuditEventsReader) {}

  /** Audit events newest first, filtered by actor, action, target and time. */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  async list(@Query() query: AuditListQueryDto): Promise<AuditEventPageDto> {
    const page = await this.reader.page(query);
    return { items: page.items.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}
