import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { AccessPolicy } from '@app/access';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AuthController } from '../auth/auth.controller';
import { DiscordOAuthClient } from '../auth/discord-oauth.client';
import type { DashboardConfig } from '../config/dashboard.config';
import { ControllerApiClient } from '../controller-api/controller-api.client';
import { DASHBOARD_CONFIG, DASHBOARD_HTTP, DASHBOARD_REDIS } from '../dashboard.constants';
import { LiveController } from '../live/live.controller';
import { LiveStateService } from '../live/live-state.service';
import { PagesController } from '../pages/pages.controller';
import { AssetsController } from './assets.controller';
import { DashboardExceptionFilter } from './dashboard-exception.filter';
import { registerDashboardHttp } from './web-setup';

/** Connects the dashboard's Redis client at init and closes it at shutdown. */
@Injectable()
class DashboardRedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DashboardRedis');

  constructor(@Inject(DASHBOARD_REDIS) private readonly redis: Redis | null) {}

  onModuleInit(): void {
    if (!this.redis) return;
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    if (this.redis.status === 'wait')
      this.redis
        .connect()
        .catch((error: Error) => this.logger.warn(`Redis connect failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end')
      await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * The dashboard's web feature: Discord login, pages, live SSE stream, assets, the HTML error
 * filter, the admin API client and the session Redis client (`REDIS_URL`, lazily connected).
 * `AccessPolicy` is the one permission rule of `@app/access`; the dashboard only uses its
 * bot-owner and guild-admin checks, which need no database, so its `DataSource` is never
 * initialized (a pool-role query would fail loudly rather than read anything).
 * Sessions, CSRF and security headers are registered on the Fastify instance by the
 * `DASHBOARD_HTTP` provider while the app is created (see `registerDashboardHttp`).
 */
@Module({})
export class DashboardWebModule {
  /** @param config validated dashboard configuration */
  static forRoot(config: DashboardConfig): DynamicModule {
    return {
      module: DashboardWebModule,
      controllers: [AssetsController, AuthController, PagesController, LiveController],
      providers: [
        { provide: DASHBOARD_CONFIG, useValue: config },
        {
          provide: DASHBOARD_REDIS,
          useFactory: () =>
            config.REDIS_URL
              ? new Redis(config.REDIS_URL, {
                  lazyConnect: true,
                  maxRetriesPerRequest: 2,
                  enableOfflineQueue: true,
                })
              : null,
        },
        {
          provide: AccessPolicy,
          useFactory: () =>
            new AccessPolicy({ botOwnerIds: config.BOT_OWNER_IDS }, new DataSource({ type: 'postgres' })),
        },
        {
          provide: DASHBOARD_HTTP,
          inject: [HttpAdapterHost, DASHBOARD_REDIS],
          useFactory: (host: HttpAdapterHost, redis: Redis | null) => {
            registerDashboardHttp(host.httpAdapter as FastifyAdapter, config, redis);
            return true;
          },
        },
        DashboardRedisLifecycle,
        ControllerApiClient,
        DiscordOAuthClient,
        LiveStateService,
        { provide: APP_FILTER, useClass: DashboardExceptionFilter },
      ],
    };
  }
}
