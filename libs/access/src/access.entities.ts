import { ApiKeyEntity } from './entities/api-key.entity';
import { AuditEventEntity } from './entities/audit-event.entity';

/** Every entity owned by the access context. */
export const ACCESS_ENTITIES = [AuditEventEntity, ApiKeyEntity] as const;
