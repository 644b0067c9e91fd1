import { ApiKey } from './api-key.entity';
import { AuditEvent } from './audit-event.entity';

export { ApiKey, AuditEvent };

/** Every entity of the access context. */
export const ACCESS_ENTITIES = [AuditEvent, ApiKey];
