export { AccessModule } from './access.module';
export { AccessException, AccessExceptionCode } from './access.exception';
export { API_KEY_TOKEN_PREFIX, ApiKeyScope, scopesAllow } from './access.constants';
export { AuditService } from './audit.service';
export type { AuditEventInput, AuditListQuery } from './audit.service';
export { ApiKeysService } from './api-keys.service';
export type { ApiKeyCreateInput, ApiKeyView } from './api-keys.service';
export { ACCESS_ENTITIES, ApiKey, AuditEvent } from './entities';
export { generateSecret, hashSecret, verifySecretHash } from './secret-hash';
