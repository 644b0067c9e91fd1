import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import type { GuildCreated } from '@app/sandbox';
import {
  configureFunhubHttp,
  DEFAULT_FUNHUB_DATA_DIR,
  FunhubAppModule,
  loadFunhubConfig,
  loadFunVariants,
} from '@apps/funhub';
import { createStack, type Stack } from './support/stack';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** Every text the variants of `category` render to with these names (no escaping needed for them). */
function possibleTexts(category: string, target: string, actor: string): string[] {
  return loadFunVariants(DEFAULT_FUNHUB_DATA_DIR)
    .filter((variant) => variant.category === category)
    .map((variant) => variant.text.replaceAll('{target}', target).replaceAll('{actor}', actor));
}

describe('/fun through the sandbox with a FunHub alongside', () => {
  let stack: Stack;
  let funhub: NestFastifyApplication | null = null;
  let guild: GuildCreated;
  let alice: string;
  let bob: string;
  const apiKey = randomBytes(24).toString('base64url');
  const prefix = `chopsticks-test:fun-command:${randomUUID()}`;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    const config = loadFunhubConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      FUNHUB_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      REDIS_URL,
      FUNHUB_API_KEYS: apiKey,
      FUNHUB_RATE_LIMIT_KEY_PREFIX: prefix,
    });
    funhub = await startHttpApp(FunhubAppModule.forRoot(config), {
      port: 0,
      host: '127.0.0.1',
      configure: (app) => configureFunhubHttp(app, config),
    });
    stack = await createStack({ agentCount: 1 });
    guild = stack.createGuild({ agents: 'none' });
    alice = stack.createUser('Alice', [guild]);
    bob = stack.createUser('Bob', [guild]);
    await stack.startController({
      FUNHUB_URL: `http://127.0.0.1:${listeningPort(funhub)}`,
      FUNHUB_API_KEY: apiKey,
      FUNHUB_TIMEOUT_MS: '2000',
    });
  });

  afterAll(async () => {
    await funhub?.close();
    await stack?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a user runs /fun compliment target:@Bob and everyone reads a compliment for Bob from Alice', async () => {
    const sut = await stack.slash(alice, guild, 'fun', {
      subcommand: 'compliment',
      options: { target: bob },
    });
    const content = sut.original?.content ?? '';
    expect({ ephemeral: sut.ephemeral, content }).toEqual({
      ephemeral: false,
      content: expect.stringMatching(/^💐 /),
    });
    expect(content).toMatch(/^💐 /);
    expect(possibleTexts('compliment', 'Bob', 'Alice')).toContain(content.slice('💐 '.length));
    // FunHub counted the call against the controller's key in Redis.
    expect((await redis.keys(`${prefix}*`)).length).toBe(1);
  });

  it('/fun roast with an intensity, /fun riddle with the answer as a spoiler, /fun wyr with both options', async () => {
    const roast = await stack.slash(alice, guild, 'fun', {
      subcommand: 'roast',
      options: { target: bob, intensity: 1 },
    });
    expect(possibleTexts('roast', 'Bob', 'Alice')).toContain(roast.original?.content?.slice('🔥 '.length));

    const riddle = await stack.slash(alice, guild, 'fun', { subcommand: 'riddle' });
    expect(riddle.original?.content).toMatch(/^🧩 Alice, .+\nAnswer: \|\|.+\|\|$/s);

    const wyr = await stack.slash(alice, guild, 'fun', { subcommand: 'wyr', options: { target: bob } });
    expect(wyr.original?.content).toMatch(/^🤔 .*Bob.*\n🅰️ .+\n🅱️ .+$/s);
  });

  it('FunHub down: /fun answers with a clear, private degrade message', async () => {
    await funhub?.close();
    funhub = null;
    const sut = await stack.slash(alice, guild, 'fun', {
      subcommand: 'compliment',
      options: { target: bob },
    });
    expect(sut.ephemeral).toBe(true);
    expect(sut.original?.content).toBe(
      'FunHub, the service behind /fun, is not answering right now. Please try again in a minute.',
    );
  });

  it('FunHub not configured: /fun says it is not set up', async () => {
    await stack.restartController({ FUNHUB_URL: '', FUNHUB_API_KEY: '' });
    const sut = await stack.slash(alice, guild, 'fun', { subcommand: 'wyr' });
    expect(sut.ephemeral).toBe(true);
    expect(sut.original?.content).toBe(
      '/fun is not set up on this bot yet (no FunHub configured). Ask the bot owner to connect FunHub.',
    );
  });
});
