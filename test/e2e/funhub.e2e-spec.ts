import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { hashSecret } from '@app/access';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import { configureFunhubHttp, FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { type AppProcess, freePort, spawnApp, waitForHttp200 } from './support/app-process';

const REDIS_URL = 'redis://127.0.0.1:6379';
const ALLOWED_ORIGIN = 'https://fun.example.org';

interface FunhubUnderTest {
  app: NestFastifyApplication;
  url: string;
  /** A plaintext key from FUNHUB_API_KEYS. */
  key: string;
  /** A key configured only as its sha256 hash. */
  hashedKey: string;
  prefix: string;
}

/** Boots the FunHub in process on a free port with its own keys and Redis key prefix. */
async function startFunhub(env: Record<string, string> = {}): Promise<FunhubUnderTest> {
  const key = randomBytes(24).toString('base64url');
  const hashedKey = randomBytes(24).toString('base64url');
  const prefix = `chopsticks-test:funhub:${randomUUID()}`;
  const config = loadFunhubConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    FUNHUB_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    REDIS_URL,
    FUNHUB_API_KEYS: `${key},${hashSecret(hashedKey)}`,
    FUNHUB_CORS_ORIGINS: ALLOWED_ORIGIN,
    FUNHUB_RATE_LIMIT_KEY_PREFIX: prefix,
    ...env,
  });
  const app = await startHttpApp(FunhubAppModule.forRoot(config), {
    port: config.FUNHUB_PORT,
    host: config.HTTP_HOST,
    configure: (created) => configureFunhubHttp(created, config),
  });
  return { app, url: `http://127.0.0.1:${listeningPort(app)}`, key, hashedKey, prefix };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('FunHub API (real HTTP, real Redis)', () => {
  let sut: FunhubUnderTest;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    sut = await startFunhub();
  });

  afterAll(async () => {
    await sut?.app.close();
    const keys = await redis.keys(`${sut.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${sut.url}${path}`, { headers: { 'x-api-key': sut.key, ...headers } });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sut.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': sut.key, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('H4: a valid X-Api-Key gets 200 with RateLimit-* headers, counted in Redis under the prefix', async () => {
    const response = await get('/api/fun/random');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBe('120');
    expect(Number(response.headers.get('ratelimit-remaining'))).toBeLessThan(120);
    expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(0);
    expect(Number(response.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    const body = await json(response);
    expect(typeof body.id).toBe('string');
    expect(typeof body.text).toBe('string');
    const keys = await redis.keys(`${sut.prefix}*`);
    expect(keys.length).toBe(1);
    expect(keys[0]).not.toContain(sut.key);
  });

  it('H4: a key configured as its sha256 hash is accepted', async () => {
    const response = await get('/api/fun/random', { 'x-api-key': sut.hashedKey });
    expect(response.status).toBe(200);
  });

  it('H4: a missing or unknown key is 401 problem+json', async () => {
    const missing = await fetch(`${sut.url}/api/fun/random`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(missing)).toMatchObject({ status: 401, code: 'unauthenticated' });

    const unknown = await get('/api/fun/random', { 'x-api-key': 'not-a-configured-key-at-all' });
    expect(unknown.status).toBe(401);
    expect(await json(unknown)).toMatchObject({
      code: 'unauthenticated',
      detail: 'The API key in X-Api-Key is not valid.',
    });
  });

  it.each(['api_key', 'key', 'apiKey'])(
    'H4: a key in the query string (?%s=) is refused with 400, also next to a valid header',
    async (name) => {
      const withoutHeader = await fetch(`${sut.url}/api/fun/random?${name}=${sut.key}`);
      expect(withoutHeader.status).toBe(400);
      const problem = await json(withoutHeader);
      expect(problem).toMatchObject({ code: 'api-key-in-query', instance: '/api/fun/random' });
      expect(JSON.stringify(problem)).not.toContain(sut.key);

      const withHeader = await get(`/api/fun/catalog?${name}=${sut.key}`);
      expect(withHeader.status).toBe(400);
    },
  );

  it('H4: CORS answers an allowed origin and gives a denied one no Access-Control-Allow-Origin', async () => {
    const allowed = await fetch(`${sut.url}/api/fun/random`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-api-key',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');

    const denied = await fetch(`${sut.url}/api/fun/random`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const simple = await get('/api/fun/random', { origin: ALLOWED_ORIGIN });
    expect(simple.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(simple.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    const simpleDenied = await get('/api/fun/random', { origin: 'https://evil.example.com' });
    expect(simpleDenied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lists the catalog with pagination and searches by text, tag and category', async () => {
    const first = await json(await get('/api/fun/catalog?pageSize=10'));
    expect(first).toMatchObject({ page: 1, pageSize: 10 });
    expect((first.items as unknown[]).length).toBe(10);
    expect(first.total).toBeGreaterThanOrEqual(125);
    const categories = first.categories as Record<string, number>;
    for (const category of ['compliment', 'roast', 'riddle', 'would-you-rather', 'trivia']) {
      expect(categories[category]).toBeGreaterThanOrEqual(25);
    }
    const second = await json(await get('/api/fun/catalog?pageSize=10&page=2'));
    const firstIds = (first.items as { id: string }[]).map((item) => item.id);
    expect((second.items as { id: string }[]).some((item) => firstIds.includes(item.id))).toBe(false);

    const byText = await json(await get('/api/fun/catalog?q=PIANO'));
    expect((byText.items as { id: string }[]).map((item) => item.id).sort()).toEqual([
      'riddle-001',
      'trivia-016',
    ]);

    const byTag = await json(await get('/api/fun/catalog?tag=music&category=trivia&pageSize=100'));
    const tagged = byTag.items as { category: string; tags: string[] }[];
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.filter((item) => item.category !== 'trivia' || !item.tags.includes('music'))).toEqual([]);
  });

  it('picks a random variant by category and intensity', async () => {
    const response = await get('/api/fun/random?category=roast&intensity=3');
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ category: 'roast', intensity: 3 });
  });

  it('renders by id with target/actor, cleaned, limited and escaped for the format', async () => {
    const plain = await post('/api/fun/render', { id: 'compliment-005', target: 'Ada', actor: 'Linus' });
    expect(plain.status).toBe(200);
    expect(await json(plain)).toMatchObject({
      id: 'compliment-005',
      text: 'Linus wants everyone to know that Ada is excellent company.',
    });

    const markdown = await json(
      await post('/api/fun/render', {
        id: 'compliment-001',
        target: '**bold\u202e**\n  _x_',
        format: 'markdown',
      }),
    );
    expect(markdown.text).toBe(
      '\\*\\*bold\\*\\* \\_x\\_, you make this server a nicer place just by showing up.',
    );

    const html = await json(
      await post('/api/fun/render', { id: 'compliment-001', target: '<b>&', format: 'html' }),
    );
    expect(html.text).toBe('&lt;b&gt;&amp;, you make this server a nicer place just by showing up.');

    const riddle = await json(await post('/api/fun/render', { category: 'riddle' }));
    expect(riddle).toMatchObject({ category: 'riddle', answer: expect.any(String) });
    expect(riddle.text).toMatch(/^friend, /);

    const nulls = await post('/api/fun/render', {
      id: null,
      category: 'compliment',
      intensity: null,
      target: null,
    });
    expect(nulls.status).toBe(200);
    expect(await json(nulls)).toMatchObject({ category: 'compliment' });

    const trivia = await json(await post('/api/fun/render', { category: 'trivia', intensity: 2 }));
    expect(trivia.choices).toContain(trivia.answer);
  });

  it('rejects invalid render input with 400 problem+json naming the fields', async () => {
    const tooLong = await post('/api/fun/render', { category: 'roast', target: 'x'.repeat(65) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(tooLong)).toMatchObject({
      code: 'invalid-request',
      errors: [expect.objectContaining({ field: 'target' })],
    });

    const unknownField = await json(await post('/api/fun/render', { category: 'roast', spicy: true }));
    expect(unknownField).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'spicy' })],
    });

    const badCategory = await json(await post('/api/fun/render', { category: 'insult', intensity: 9 }));
    expect((badCategory.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'category',
      'intensity',
    ]);

    const both = await json(await post('/api/fun/render', { id: 'roast-001', category: 'roast' }));
    expect(both).toMatchObject({ status: 400, code: 'invalid-request' });

    const missing = await post('/api/fun/render', { id: 'roast-999' });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: 'variant-not-found' });
  });

  it('rejects invalid queries with 400 problem+json', async () => {
    const page = await json(await get('/api/fun/catalog?pageSize=500&page=0'));
    expect(page.status).toBe(400);
    expect((page.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['page', 'pageSize']);
    const random = await json(await get('/api/fun/random?intensity=hot'));
    expect(random).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'intensity' })] });
    const pack = await json(await get('/api/fun/pack?count=21&categories=riddle,insult'));
    expect((pack.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['categories', 'count']);
  });

  it('serves a pack of N distinct rendered variants mixed across the requested categories', async () => {
    const response = await get('/api/fun/pack?count=6&categories=riddle,trivia,compliment&target=Grace');
    expect(response.status).toBe(200);
    const items = (await json(response)).items as { id: string; category: string; text: string }[];
    expect(items).toHaveLength(6);
    expect(new Set(items.map((item) => item.id)).size).toBe(6);
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.category, (counts.get(item.category) ?? 0) + 1);
    expect([...counts.entries()].sort()).toEqual([
      ['compliment', 2],
      ['riddle', 2],
      ['trivia', 2],
    ]);
    expect(items.filter((item) => item.text.includes('{target}'))).toEqual([]);
  });

  it('serves the OpenAPI document and Swagger UI at /docs', async () => {
    const document = await json(await fetch(`${sut.url}/docs/json`));
    expect(String(document.openapi)).toMatch(/^3\./);
    expect(Object.keys(document.paths as object).sort()).toEqual([
      '/api/fun/catalog',
      '/api/fun/pack',
      '/api/fun/random',
      '/api/fun/render',
    ]);
    expect((document.components as { securitySchemes: object }).securitySchemes).toEqual({
      ApiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }),
    });
    const ui = await fetch(`${sut.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('counts requests per endpoint and status in /metrics, next to /health', async () => {
    expect((await fetch(`${sut.url}/health`)).status).toBe(200);
    await get('/api/fun/catalog');
    const text = await (await fetch(`${sut.url}/metrics`)).text();
    expect(text).toMatch(/chopsticks_funhub_requests_total\{endpoint="catalog",outcome="success"\} [1-9]/);
    expect(text).toMatch(
      /chopsticks_funhub_requests_total\{endpoint="render",outcome="client-error"\} [1-9]/,
    );
    expect(text).toMatch(/chopsticks_funhub_request_duration_seconds_count\{endpoint="random"\} [1-9]/);
  });
});

describe('FunHub rate limits (real Redis)', () => {
  const started: FunhubUnderTest[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    for (const funhub of started) {
      await funhub.app.close();
      const keys = await redis.keys(`${funhub.prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('H4: the 121st request within a minute for one key is 429 with Retry-After; another key is unaffected', async () => {
    const sut = await startFunhub();
    started.push(sut);
    const call = (key: string) => fetch(`${sut.url}/api/fun/random`, { headers: { 'x-api-key': key } });
    const remaining: number[] = [];
    for (let i = 0; i < 120; i += 1) {
      const response = await call(sut.key);
      expect(response.status).toBe(200);
      remaining.push(Number(response.headers.get('ratelimit-remaining')));
    }
    expect(remaining[0]).toBe(119);
    expect(remaining[119]).toBe(0);

    const refused = await call(sut.key);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-limit')).toBe('120');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(await json(refused)).toMatchObject({ status: 429, code: 'rate-limited' });

    expect((await call(sut.hashedKey)).status).toBe(200);

    const metrics = await (await fetch(`${sut.url}/metrics`)).text();
    expect(metrics).toMatch(/chopsticks_rate_limit_hits_total\{type="funhub"\} 1/);
    expect(metrics).toMatch(/chopsticks_funhub_requests_total\{endpoint="random",outcome="rate-limited"\} 1/);
  });

  it('wrong keys are limited per client address: after FUNHUB_AUTH_FAILURE_LIMIT per minute it is 429 with Retry-After, also for a right key; shared through Redis', async () => {
    const first = await startFunhub({ FUNHUB_AUTH_FAILURE_LIMIT: '3' });
    started.push(first);
    const second = await startFunhub({
      FUNHUB_AUTH_FAILURE_LIMIT: '3',
      FUNHUB_API_KEYS: first.key,
      FUNHUB_RATE_LIMIT_KEY_PREFIX: first.prefix,
    });
    started.push(second);
    const call = (url: string, key: string) =>
      fetch(`${url}/api/fun/random`, { headers: { 'x-api-key': key } });
    const wrong = () => `wrong-${randomBytes(12).toString('hex')}`;
    expect((await call(first.url, wrong())).status).toBe(401);
    expect((await call(second.url, wrong())).status).toBe(401);
    expect((await call(first.url, first.key)).status).toBe(200);
    expect((await call(first.url, wrong())).status).toBe(401);

    const refused = await call(second.url, wrong());
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await json(refused)).toMatchObject({ status: 429, code: 'rate-limited' });
    const rightKey = await call(first.url, first.key);
    expect(rightKey.status).toBe(429);
    expect(Number(rightKey.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await redis.keys(`${first.prefix}:auth-failures*`)).toHaveLength(1);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toMatch(/chopsticks_rate_limit_hits_total\{type="funhub"\} 1/);
  });

  it('H4: two FunHub processes on one Redis share a key budget', async () => {
    const first = await startFunhub({ FUNHUB_RATE_LIMIT: '3' });
    started.push(first);
    const second = await startFunhub({
      FUNHUB_RATE_LIMIT: '3',
      FUNHUB_API_KEYS: first.key,
      FUNHUB_RATE_LIMIT_KEY_PREFIX: first.prefix,
    });
    started.push(second);
    const call = (url: string) => fetch(`${url}/api/fun/random`, { headers: { 'x-api-key': first.key } });
    expect((await call(first.url)).status).toBe(200);
    expect((await call(second.url)).status).toBe(200);
    expect((await call(first.url)).status).toBe(200);
    expect((await call(second.url)).status).toBe(429);
  });

  it('Redis down: mode open limits in process memory, mode closed answers 503', async () => {
    const deadPort = await freePort();
    const open = await startFunhub({
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      FUNHUB_RATE_LIMIT: '2',
      FUNHUB_RATE_LIMIT_REDIS_DOWN_MODE: 'open',
    });
    started.push(open);
    const call = (funhub: FunhubUnderTest) =>
      fetch(`${funhub.url}/api/fun/random`, { headers: { 'x-api-key': funhub.key } });
    expect((await call(open)).status).toBe(200);
    expect((await call(open)).status).toBe(200);
    expect((await call(open)).status).toBe(429);

    const closed = await startFunhub({
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      FUNHUB_RATE_LIMIT_REDIS_DOWN_MODE: 'closed',
    });
    started.push(closed);
    const refused = await call(closed);
    expect(refused.status).toBe(503);
    expect(await json(refused)).toMatchObject({ code: 'rate-limiter-unavailable' });
    const metrics = await (await fetch(`${closed.url}/metrics`)).text();
    expect(metrics).toMatch(/chopsticks_rate_limiter_backend_errors_total\{mode="fail-closed"\} [1-9]/);
  });
});

describe('FunHub process', () => {
  let child: AppProcess | null = null;

  afterEach(async () => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGTERM');
      await child.exited;
    }
    child = null;
  });

  it('H4: a key in the query string, under any parameter name, never appears in the logs; no query value is logged', async () => {
    const port = await freePort();
    const key = randomBytes(24).toString('base64url');
    child = spawnApp('funhub', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      FUNHUB_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      FUNHUB_API_KEYS: key,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp200(`${url}/health`, 60_000);
    const withKey = { headers: { 'x-api-key': key } };
    const searched = `searched${randomBytes(6).toString('hex')}`;
    expect((await fetch(`${url}/api/fun/catalog?q=${searched}`, withKey)).status).toBe(200);
    expect((await fetch(`${url}/api/fun/catalog?api_key=${key}`)).status).toBe(400);
    expect((await fetch(`${url}/api/fun/catalog?key=${key}`, withKey)).status).toBe(400);
    const refused = await fetch(`${url}/api/fun/catalog?x_api_key=${key}`, withKey);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'api-key-in-query' });
    expect((await fetch(`${url}/api/fun/catalog?q=${key}`, withKey)).status).toBe(400);
    expect((await fetch(`${url}/api/fun/random?category=roast&${key}=1`, withKey)).status).toBe(400);
    // An unknown parameter reaches validation (400) and is logged — by name only.
    expect(
      (await fetch(`${url}/api/fun/random?category=roast&unknown_param=${searched}`, withKey)).status,
    ).toBe(400);
    // The last request's id tells when every earlier line has been written (sync destination).
    const marker = `marker${randomBytes(6).toString('hex')}`;
    expect(
      (
        await fetch(`${url}/api/fun/random?category=roast`, {
          headers: { ...withKey.headers, 'x-request-id': marker },
        })
      ).status,
    ).toBe(200);
    const logged = await waitForOutput(child, marker);
    expect(logged).toContain('/api/fun/catalog?q=[redacted]');
    expect(logged).toContain('unknown_param=[redacted]');
    expect(logged).not.toContain(searched);
    expect(logged).not.toContain(key);
  });

  it('refuses to boot with an invalid data file, naming the file and the entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funhub-data-'));
    writeFileSync(
      join(dir, 'roasts.json'),
      JSON.stringify({
        category: 'roast',
        variants: [
          { id: 'roast-001', category: 'roast', tags: ['ok'], intensity: 1, text: 'Fine, {target}.' },
          { id: 'roast-002', category: 'roast', tags: ['ok'], intensity: 5, text: 'Hi {victim}.' },
        ],
      }),
    );
    child = spawnApp('funhub', {
      NODE_ENV: 'test',
      FUNHUB_PORT: String(await freePort()),
      HTTP_HOST: '127.0.0.1',
      FUNHUB_DATA_DIR: dir,
    });
    expect(await child.exited).not.toBe(0);
    const output = child.output();
    expect(output).toContain(`${join(dir, 'roasts.json')}: entry 1 (id roast-002)`);
    expect(output).toContain('intensity');
    expect(output).toContain('only the placeholders {target} and {actor} are allowed');
  });
});

/** Waits until the child's output contains `text` (logs are written when the response ends). */
async function waitForOutput(child: AppProcess, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!child.output().includes(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return child.output();
}
