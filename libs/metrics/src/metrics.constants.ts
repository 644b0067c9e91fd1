import type { MetricsExposition } from './chopsticks-metrics';

/** DI token: the app's application-metrics `Registry` (prom-client). */
export const APP_METRICS_REGISTRY = Symbol('APP_METRICS_REGISTRY');
/** DI token: the app's process/runtime-metrics `Registry` (prom-client). */
export const PROCESS_METRICS_REGISTRY = Symbol('PROCESS_METRICS_REGISTRY');
/** DI token: {@link MetricsHttpOptions} for the metrics routes and their guard. */
export const METRICS_HTTP_OPTIONS = Symbol('METRICS_HTTP_OPTIONS');

/** What the metrics routes need to know. */
export interface MetricsHttpOptions {
  /** Bearer token required on the routes; `undefined` = open. */
  token: string | undefined;
  exposition: MetricsExposition;
}
