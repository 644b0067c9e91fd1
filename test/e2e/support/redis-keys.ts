import Redis from 'ioredis';
import { testConfig } from '../../utils/test-config';

/**
 * Deletes every Redis key under `prefix:` (a test file's throttle, idempotency and BullMQ keys),
 * so parallel files that each use their own prefix never see each other's keys.
 * @param url the Redis to clean (default `testConfig.redisUrl`)
 */
export async function deleteRedisKeys(prefix: string, url: string = testConfig.redisUrl): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<
      string[]
    >) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    await redis.quit();
  }
}
