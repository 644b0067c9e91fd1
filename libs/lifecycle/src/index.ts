export { LOG_LEVELS, lifecycleEnvShape } from './lifecycle.config';
export type { LifecycleConfig } from './lifecycle.config';
export { LoggingModule, REDACTED_LOG_PATHS, REQUEST_ID_HEADER, requestIdFor } from './logging.module';
export type { LoggingOptions } from './logging.module';
export { installProcessGuards } from './process-guards';
export { runApp, SHUTDOWN_DEADLINE_MS, SHUTDOWN_SIGNALS } from './run-app';
export { listeningPort, startHttpApp } from './http-app';
export type { HttpListenOptions } from './http-app';
export { LifecycleModule } from './lifecycle.module';
