export { AccessModule } from './access.module';
export { AccessException, AccessExceptionCode } from './access.exception';
export { API_KEY_TOKEN_PREFIX, ApiKeyScope, scopesAllow } from './access.constants';
export { AuditService } from './audit.service';
export type { AuditEventInput, AuditListQuery } from './audit.service';
export { ApiKeysService, isBound } from './api-keys.service';
export type { ApiKeyBinding, ApiKeyCreateInput, ApiKeyView } from './api-keys.service';
export { ACCESS_ENTITIES, ApiKey, AuditEvent } from './entities';
export { generateSecret, hashSecret, verifySecretHash } from './secret-hash';
export { AccessPolicy } from './access-policy';
export type { AccessActor } from './access-policy';
export { AccessPolicyModule } from './access-policy.module';
export { ACCESS_POLICY_OPTIONS } from './access-policy.module-definition';
export type { AccessPolicyOptions } from './access-policy.module-definition';
export { AccessDeniedCode, AccessDeniedException } from './access-denied.exception';
export {
  DISCORD_PERMISSION_ADMINISTRATOR,
  DISCORD_PERMISSION_MANAGE_GUILD,
  isPoolRole,
  POOL_ROLES,
  poolRoleAtLeast,
} from './access-policy.constants';
export type { PoolRole } from './access-policy.constants';
