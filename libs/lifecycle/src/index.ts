export { LOG_LEVELS, lifecycleEnvShape } from './lifecycle.config';
export type { LifecycleConfig } from './lifecycle.config';
export {
  APP_LOGGER,
  LoggingModule,
  REDACTED_LOG_PATHS,
  REQUEST_ID_HEADER,
  requestIdFor,
} from './logging.module';
export type { LoggingOptions } from './logging.module';
export { installProcessGuards } from './process-guards';
export { runApp, SHUTDOWN_DEADLINE_MS, SHUTDOWN_SIGNALS } from './run-app';
export { listeningPort, startHttpApp } from './http-app';
export { answerFrameworkError, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from './framework-errors';
export type { HttpListenOptions } from './http-app';
export { LifecycleModule } from './lifecycle.module';
export { withLogContext } from './log-context';
export type { LogContextBindings } from './log-context';
export { REDIS_PROBE_TIMEOUT_MS, RedisHealthIndicator } from './redis.health';
export { POSTGRES_PROBE_TIMEOUT_MS, PostgresHealthIndicator } from './postgres.health';
export { readinessOf } from './readiness';
export {
  BackgroundReadiness,
  READINESS_PROBE_INTERVAL_MS,
  READINESS_RETRY_INTERVAL_MS,
} from './background-readiness';
export type { ReadinessAnswer } from './readiness';
