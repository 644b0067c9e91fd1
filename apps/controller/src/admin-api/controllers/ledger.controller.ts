import { Get, Query } from '@nestjs/common';
import { ApiKeyScope } from '@app/access';
import { type LedgerKind, LedgerQuery } from '@app/ledger';
import { AdminBinding } from '../key-binding';
import { AdminApiController, AdminRoute } from '../admin-route.decorators';
import { LedgerEntryPageDto, LedgerListQueryDto } from '../dto/ledger.dto';

/** The lease ledger: every allocation, release and failover (`/api/v1/ledger`). */
@AdminApiController('ledger', 'ledger')
export class LedgerAdminController {
  constructor(private readonly ledger: LedgerQuery) {}

  /** Ledger rows newest first, filtered by guild, time range, event and kind. */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'query', name: 'guildId', fill: true }] })
  async list(@Query() query: LedgerListQueryDto): Promise<LedgerEntryPageDto> {
    return this.ledger.list({
      guildId: query.guildId,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      event: query.event,
      kind: query.kind as LedgerKind | undefined,
      limit: query.limit,
      cursor: query.cursor,
    });
  }
}
