import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import { FunErrorCode, FunhubClient, funErrorSentence } from '@apps/controller';
import { configureFunhubHttp, FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { freePort } from './support/app-process';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe(FunhubClient.name, () => {
  const apps: NestFastifyApplication[] = [];
  const clients: FunhubClient[] = [];
  const prefixes: string[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    for (const client of clients) client.onApplicationShutdown();
    for (const app of apps) await app.close();
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  async function startFunhub(env: Record<string, string> = {}): Promise<{ url: string; key: string }> {
    const key = randomBytes(24).toString('base64url');
    const prefix = `chopsticks-test:funhub-client:${randomUUID()}`;
    prefixes.push(prefix);
    const config = loadFunhubConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      HTTP_HOST: '127.0.0.1',
      REDIS_URL,
      FUNHUB_API_KEYS: key,
      FUNHUB_RATE_LIMIT_KEY_PREFIX: prefix,
      ...env,
    });
    const app = await startHttpApp(FunhubAppModule.forRoot(config), {
      port: 0,
      host: '127.0.0.1',
      configure: (created) => configureFunhubHttp(created, config),
    });
    apps.push(app);
    return { url: `http://127.0.0.1:${listeningPort(app)}`, key };
  }

  function client(url: string | undefined, apiKey: string | undefined): FunhubClient {
    const sut = new FunhubClient({ url, apiKey, timeoutMs: 2000 });
    clients.push(sut);
    return sut;
  }

  it('renders a text with the names, markdown-escaped by FunHub', async () => {
    const funhub = await startFunhub();
    const sut = client(`${funhub.url}/`, funhub.key);
    const rendered = await sut.render({ category: 'riddle', target: 'Ada_L', actor: 'Bob' });
    expect(rendered.category).toBe('riddle');
    expect(rendered.text).toMatch(/^Ada\\_L, /);
    expect(rendered.answer).toEqual(expect.any(String));
  });

  it('reports a refused key, and FunHub’s Retry-After when the key is over its limit', async () => {
    const funhub = await startFunhub({ FUNHUB_RATE_LIMIT: '1' });
    await expect(
      client(funhub.url, 'a-key-funhub-does-not-know').render({ category: 'roast' }),
    ).rejects.toMatchObject({
      code: FunErrorCode.KeyRejected,
    });
    const sut = client(funhub.url, funhub.key);
    await sut.render({ category: 'roast' });
    const limited = await sut.render({ category: 'roast' }).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: FunErrorCode.RateLimited });
    const retryAfter = (limited as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(funErrorSentence(limited as never)).toBe(
      `FunHub is handling too many requests from this bot — try again in ${retryAfter} s.`,
    );
  });

  it('is not configured without a URL or a key, and never calls out then', async () => {
    await expect(client(undefined, 'k'.repeat(20)).render({ category: 'roast' })).rejects.toMatchObject({
      code: FunErrorCode.NotConfigured,
    });
    await expect(client('http://127.0.0.1:1', undefined).render({ category: 'roast' })).rejects.toMatchObject(
      {
        code: FunErrorCode.NotConfigured,
      },
    );
  });

  it('opens its breaker after repeated failures: later calls fail at once without reaching FunHub', async () => {
    const port = await freePort();
    const sut = client(`http://127.0.0.1:${port}`, 'k'.repeat(20));
    for (let i = 0; i < 3; i += 1) {
      await expect(sut.render({ category: 'roast' })).rejects.toMatchObject({
        code: FunErrorCode.Unavailable,
      });
    }
    // FunHub comes up on that port, but the open breaker keeps answering "unavailable".
    const key = randomBytes(24).toString('base64url');
    const config = loadFunhubConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', FUNHUB_API_KEYS: key });
    const app = await startHttpApp(FunhubAppModule.forRoot(config), { port, host: '127.0.0.1' });
    apps.push(app);
    const blocked = await sut.render({ category: 'roast' }).catch((error: unknown) => error);
    expect(blocked).toMatchObject({
      code: FunErrorCode.Unavailable,
      message: expect.stringMatching(/open/i),
    });
  });
});
