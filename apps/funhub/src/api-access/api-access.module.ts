import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FunhubConfig } from '../config/funhub.config';
import { API_RATE_LIMIT_OPTIONS } from './api-access.constants';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRing } from './api-keys';
import { ApiRateLimiter, type ApiRateLimitOptions } from './api-rate-limiter';

/**
 * API keys and per-key rate limits of the FunHub: {@link ApiKeyRing} from `FUNHUB_API_KEYS`,
 * {@link ApiRateLimiter} on `REDIS_URL` (or in process), and {@link ApiKeyGuard} that applies
 * both. Reads the global `ConfigService`; needs the global `ChopsticksMetrics`.
 */
@Module({
  providers: [
    {
      provide: ApiKeyRing,
      inject: [ConfigService],
      useFactory: (config: ConfigService<FunhubConfig, true>) => {
        const ring = new ApiKeyRing(config.get('FUNHUB_API_KEYS', { infer: true }));
        if (ring.size === 0) {
          new Logger(ApiAccessModule.name).warn(
            'FUNHUB_API_KEYS is empty: every /api/fun request is refused with 401.',
          );
        }
        return ring;
      },
    },
    {
      provide: API_RATE_LIMIT_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<FunhubConfig, true>): ApiRateLimitOptions => ({
        redisUrl: config.get('REDIS_URL', { infer: true }),
        points: config.get('FUNHUB_RATE_LIMIT', { infer: true }),
        durationSeconds: config.get('FUNHUB_RATE_LIMIT_WINDOW_SECONDS', { infer: true }),
        keyPrefix: config.get('FUNHUB_RATE_LIMIT_KEY_PREFIX', { infer: true }),
        redisDownMode: config.get('FUNHUB_RATE_LIMIT_REDIS_DOWN_MODE', { infer: true }),
        authFailureLimit: config.get('FUNHUB_AUTH_FAILURE_LIMIT', { infer: true }),
      }),
    },
    ApiRateLimiter,
    ApiKeyGuard,
  ],
  exports: [ApiKeyRing, ApiRateLimiter, ApiKeyGuard],
})
export class ApiAccessModule {}
