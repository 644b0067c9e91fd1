/** Public surface of the controller's admin API feature (app module, main, tests, scripts). */
export { AdminApiModule, ADMIN_API_CONTROLLERS } from './admin-api.module';
export { adminApiValidationPipe, validationErrors } from './admin-api.validation';
export type { AdminApiModuleRootOptions } from './admin-api.module';
export { adminApiEnvShape, adminApiOptionsFromEnv } from './admin-api.config';
export {
  ADMIN_API_OPTIONS,
  ADMIN_API_PREFIX,
  ADMIN_API_SCOPE,
  DOCS_JSON_PATH,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
} from './admin-api.constants';
export type { AdminApiOptions } from './admin-api.constants';
export { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
export { buildAdminApiDocument, loadAdminApiPluginMetadata, setupAdminApiDocs } from './admin-api.docs';
export type { AdminApiDocsOptions } from './admin-api.docs';
export { apiKeyActorId } from './admin-api.request';
export { createAdminApiPreviewApp, generateAdminApiDocument } from './admin-api.docs';
export {
  ADMIN_API_SOURCE_DIR,
  formatOpenApiDocument,
  generateAdminApiPluginMetadata,
} from './openapi.generator';
