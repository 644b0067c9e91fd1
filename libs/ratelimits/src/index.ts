export { RateLimitsModule } from './ratelimits.module';
export { RATE_LIMITS_OPTIONS } from './ratelimits.module-definition';
export {
  DEFAULT_COMMAND_RATE_LIMITS,
  parseCommandRateLimits,
  rateLimitsOptionsFromEnv,
  ratelimitsEnvShape,
  type CommandRateLimit,
  type CommandRateLimits,
  type RateLimitsModuleOptions,
  type RatelimitsEnv,
  type RedisDownMode,
} from './ratelimits.config';
export { RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS, RateLimitBackend } from './rate-limit-backend';
export { CommandThrottle, type ThrottleDecision } from './command-throttle';
export {
  IdempotencyGuard,
  INTERACTION_ID_TTL_MS,
  type ClaimResult,
  type MutationClaim,
} from './idempotency-guard';
