import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe(RedisHealthIndicator.name, () => {
  it('answers overlapping first probes up (one shared connect), and down without reconnecting after shutdown', async () => {
    const sut = new RedisHealthIndicator(new HealthIndicatorService(), REDIS_URL);

    // The background probe and a /readyz call can both be the first to use the connection.
    const [first, second] = await Promise.all([sut.check(), sut.check()]);
    expect([first.redis.status, second.redis.status]).toEqual(['up', 'up']);

    await sut.onApplicationShutdown();
    const late = await sut.check();

    expect(late).toEqual({ redis: { status: 'down', message: 'shutting down' } });
  });
});
