import { Module } from '@nestjs/common';
import { CommandThrottle } from './command-throttle';
import { IdempotencyGuard } from './idempotency-guard';
import { RateLimitBackend } from './rate-limit-backend';
import { RateLimitsConfigurableModule } from './ratelimits.module-definition';

/**
 * The command pipeline's limiter context: {@link CommandThrottle} (per-user per-command limits)
 * and {@link IdempotencyGuard} (one effect per mutation) over one Redis client, or in-process
 * stores without Redis. Import with `forRootAsync({ inject: [ConfigService], useFactory })`;
 * needs the global `ChopsticksMetrics`.
 */
@Module({
  providers: [RateLimitBackend, CommandThrottle, IdempotencyGuard],
  exports: [RateLimitBackend, CommandThrottle, IdempotencyGuard],
})
export class RateLimitsModule extends RateLimitsConfigurableModule {}
