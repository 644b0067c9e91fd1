/** DI token of the app's Redis readiness indicator (`RedisHealthIndicator` from `@app/lifecycle`). */
export const REDIS_HEALTH = Symbol('REDIS_HEALTH');
