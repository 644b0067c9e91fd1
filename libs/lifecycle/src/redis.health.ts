import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';

/** How long a readiness probe waits for Redis (connect or PING) before reporting it down. */
export const REDIS_PROBE_TIMEOUT_MS = 2_000;

/**
 * Readiness of a Redis server for `/readyz` (SPEC §7): `PING` over a dedicated, lazily opened
 * ioredis connection that never queues commands while disconnected, so a probe answers within
 * {@link REDIS_PROBE_TIMEOUT_MS} even when Redis is gone, and recovers by itself when it returns.
 * Reports key `redis`: `up`, or `down` with a short reason that never contains the URL (it may
 * hold a password). Create one per app; `onApplicationShutdown` closes the connection, and
 * later probes report `down` (`shutting down`) without opening a new one.
 */
export class RedisHealthIndicator implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisHealthIndicator.name);
  private client: Redis | null = null;
  /** The connect in progress, shared by overlapping probes (background probe and `/readyz`). */
  private connecting: Promise<void> | null = null;
  private failing = false;
  /** Set at shutdown: a probe still in flight must not open a new connection after it. */
  private closed = false;

  /** @param url `redis://` or `rediss://` URL (a secret); `undefined` = Redis not configured */
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly url: string | undefined,
  ) {}

  /** True when a Redis URL is configured (only then is Redis a required dependency). */
  get configured(): boolean {
    return this.url !== undefined;
  }

  /** `redis: up` when PING answers in time; `down` with a reason otherwise or when not configured. */
  async check() {
    const indicator = this.indicators.check('redis');
    if (!this.url) return indicator.down({ message: 'not configured' });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ping(this.url),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), REDIS_PROBE_TIMEOUT_MS);
        }),
      ]);
      if (this.failing) this.logger.log('Redis is reachable again');
      this.failing = false;
      return indicator.up();
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unreachable';
      if (!this.failing) this.logger.warn(`Redis readiness probe failed: ${message}`);
      this.failing = true;
      return indicator.down({ message });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the probe connection. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) await client.quit().catch(() => client.disconnect());
  }

  private async ping(url: string): Promise<void> {
    if (this.closed) throw new Error('shutting down');
    if (!this.client) {
      this.client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: REDIS_PROBE_TIMEOUT_MS,
        retryStrategy: () => 1_000,
        // Per process, so an operator (and a test) can tell whose probe a connection is.
        connectionName: `chopsticks-readiness-${process.pid}`,
      });
      // Reasons reach the probe result; without a listener ioredis prints every retry.
      this.client.on('error', () => undefined);
    }
    const client = this.client;
    if (!this.connecting && (client.status === 'wait' || client.status === 'end')) {
      this.connecting = client.connect().finally(() => (this.connecting = null));
    }
    if (this.connecting) await this.connecting;
    await client.ping();
  }
}
