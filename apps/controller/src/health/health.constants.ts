/** DI token of the controller's Redis readiness indicator (`RedisHealthIndicator` from `@app/lifecycle`). */
export const CONTROLLER_REDIS_HEALTH = Symbol('CONTROLLER_REDIS_HEALTH');

/** Period of the background readiness probe that keeps `chopsticks_dependency_up` current (ms). */
export const READINESS_PROBE_INTERVAL_MS = 15_000;

/** Period of that probe while a required dependency is down (ms). */
export const READINESS_RETRY_INTERVAL_MS = 2_000;
