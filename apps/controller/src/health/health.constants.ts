/** DI token of the controller's Redis readiness indicator (`RedisHealthIndicator` from `@app/lifecycle`). */
export const CONTROLLER_REDIS_HEALTH = Symbol('CONTROLLER_REDIS_HEALTH');
