import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { ChopsticksMetrics, MetricsModule, sampleValue } from '@app/metrics';
import {
  CommandThrottle,
  IdempotencyGuard,
  parseCommandRateLimits,
  RateLimitBackend,
  RateLimitsModule,
  type RedisDownMode,
} from '@app/ratelimits';
import { freePort } from '../e2e/support/app-process';
import { RecordingLogger } from '../support/recording-logger';
import { testConfig } from '../utils/test-config';

const REDIS_URL = testConfig.redisUrl;

interface Limiter {
  module: TestingModule;
  throttle: CommandThrottle;
  guard: IdempotencyGuard;
  backend: RateLimitBackend;
  logger: RecordingLogger;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

async function createLimiter(input: {
  redisUrl?: string;
  prefix: string;
  mode?: RedisDownMode;
  limits?: string;
}): Promise<Limiter> {
  const logger = new RecordingLogger();
  const module = await Test.createTestingModule({
    imports: [
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      RateLimitsModule.forRoot({
        redisUrl: input.redisUrl,
        keyPrefix: input.prefix,
        commandLimits: parseCommandRateLimits(input.limits ?? 'agents=5/60'),
        redisDownMode: input.mode ?? 'open',
        idempotencyWindowSeconds: 10,
      }),
    ],
  })
    .setLogger(logger)
    .compile();
  module.enableShutdownHooks();
  await module.init();
  const metrics = module.get(ChopsticksMetrics);
  return {
    module,
    logger,
    throttle: module.get(CommandThrottle),
    guard: module.get(IdempotencyGuard),
    backend: module.get(RateLimitBackend),
    metric: async (name, labels = {}) => sampleValue(await metrics.appText(), name, labels) ?? 0,
    close: () => module.close(),
  };
}

/** Release gives back the request key of its own claim only; the interaction id stays claimed. */
async function expectReleasedClaimSemantics(guard: IdempotencyGuard): Promise<void> {
  const base = { userId: randomUUID(), guildId: '1', command: 'pools', fingerprint: 'create(name="Retry")' };
  const first = { ...base, interactionId: `7${Date.now()}` };
  await expect(guard.claim(first)).resolves.toBe('first');
  await expect(guard.claim({ ...base, interactionId: `${first.interactionId}1` })).resolves.toBe('duplicate');

  await guard.release(first);

  await expect(guard.claim(first)).resolves.toBe('duplicate');
  const retry = { ...base, interactionId: `${first.interactionId}2` };
  await expect(guard.claim(retry)).resolves.toBe('first');
  // Releasing a claim that no longer owns the key leaves the newer claim alone.
  await guard.release(first);
  await expect(guard.claim({ ...base, interactionId: `${first.interactionId}3` })).resolves.toBe('duplicate');
}

let interactionSeq = 0;
/** A fresh interaction id (snowflake-shaped) per call. */
const nextInteractionId = () => `8${Date.now()}${(interactionSeq += 1)}`;

/**
 * The request window remembers the user's LAST request of a command in a guild: a repeat of it is
 * a duplicate, a change back after another request is not, and another guild is another request.
 */
async function expectLastRequestSemantics(guard: IdempotencyGuard): Promise<void> {
  const userId = randomUUID();
  const idle = (guildId: string, minutes: number) =>
    guard.claim({
      interactionId: nextInteractionId(),
      userId,
      guildId,
      command: 'agents',
      fingerprint: `idle_policy(minutes=${minutes})`,
    });

  // QA6 D-idem-2: the same /agents idle_policy minutes:7 in guild A, then in guild B.
  await expect(idle('100', 7)).resolves.toBe('first');
  await expect(idle('200', 7)).resolves.toBe('first');
  await expect(idle('200', 7)).resolves.toBe('duplicate');
  // QA6 D-idem-1: 5 → 10 → 5 within the window: the change back applies.
  await expect(idle('100', 5)).resolves.toBe('first');
  await expect(idle('100', 10)).resolves.toBe('first');
  await expect(idle('100', 5)).resolves.toBe('first');
  await expect(idle('100', 5)).resolves.toBe('duplicate');
}

/** A Redis server of our own on a free port (`--save ''`: nothing on disk), killable mid-test. */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('RateLimitsModule (real Redis)', () => {
  const prefix = `test:rl:${randomUUID()}`;
  let redis: Redis;
  let sut: Limiter;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    sut = await createLimiter({ redisUrl: REDIS_URL, prefix });
  });

  afterAll(async () => {
    await sut.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('C1: the 6th /agents within 60 s is refused with the real remaining seconds and counted', async () => {
    const user = randomUUID();
    const hitsBefore = await sut.metric('chopsticks_rate_limit_hits_total', { type: 'command' });
    for (let i = 0; i < 5; i += 1) {
      await expect(sut.throttle.consume(user, 'agents')).resolves.toMatchObject({ allowed: true });
    }

    const decision = await sut.throttle.consume(user, 'agents');
    const pttl = await redis.pttl(`${prefix}:throttle:agents:${user}`);

    expect(decision).toMatchObject({ allowed: false, reason: 'limited' });
    const seconds =
      decision.allowed === false && decision.reason === 'limited' ? decision.retryAfterSeconds : -1;
    expect(pttl).toBeGreaterThan(0);
    // The refusal was computed from the same key a moment before the PTTL read.
    expect([Math.ceil(pttl / 1000), Math.ceil(pttl / 1000) + 1]).toContain(seconds);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(await sut.metric('chopsticks_rate_limit_hits_total', { type: 'command' })).toBe(hitsBefore + 1);
    // Another command of the same user has its own budget.
    await expect(sut.throttle.consume(user, 'music')).resolves.toMatchObject({ allowed: true });
  });

  it('counts atomically: 20 concurrent /agents of one user let exactly 5 through', async () => {
    const user = randomUUID();
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => sut.throttle.consume(user, 'agents')),
    );

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
  });

  it('C2: the same interaction claimed twice is a duplicate, and so is the same request under a new id', async () => {
    const base = { userId: randomUUID(), guildId: '1', command: 'pools', fingerprint: 'create(name="Main")' };
    const interactionId = String(Date.now());

    await expect(sut.guard.claim({ ...base, interactionId })).resolves.toBe('first');
    await expect(sut.guard.claim({ ...base, interactionId })).resolves.toBe('duplicate');
    await expect(sut.guard.claim({ ...base, interactionId: `${interactionId}1` })).resolves.toBe('duplicate');
    await expect(
      sut.guard.claim({ ...base, interactionId: `${interactionId}2`, fingerprint: 'create(name="Other")' }),
    ).resolves.toBe('first');
    expect(await redis.exists(`${prefix}:idem:interaction:${interactionId}`)).toBe(1);
  });

  it('a released claim lets the same request through again under a new interaction, never the same one', () =>
    expectReleasedClaimSemantics(sut.guard));

  it('C2: only a repeat of the last request of a command in a guild is a duplicate (another guild, a change back are new)', () =>
    expectLastRequestSemantics(sut.guard));

  it('lets exactly one of 10 concurrent identical mutations through', async () => {
    const base = { userId: randomUUID(), guildId: '1', command: 'agents', fingerprint: 'assign(agent="a")' };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sut.guard.claim({ ...base, interactionId: `9${i}${Date.now()}` })),
    );

    expect(results.filter((result) => result === 'first')).toHaveLength(1);
  });
});

describe('RateLimitsModule without REDIS_URL (in-process stores)', () => {
  let sut: Limiter;

  beforeAll(async () => {
    sut = await createLimiter({ prefix: 'unused' });
  });
  afterAll(() => sut.close());

  it('logs the in-process backend at boot and applies the same limits and idempotency', async () => {
    expect(sut.logger.count(/in-process stores/)).toBe(1);
    const user = randomUUID();
    for (let i = 0; i < 5; i += 1) await sut.throttle.consume(user, 'agents');
    await expect(sut.throttle.consume(user, 'agents')).resolves.toMatchObject({
      allowed: false,
      reason: 'limited',
    });

    await expectReleasedClaimSemantics(sut.guard);
    await expectLastRequestSemantics(sut.guard);
    const claim = { interactionId: '1', userId: user, guildId: '1', command: 'pools', fingerprint: 'x' };
    await expect(sut.guard.claim(claim)).resolves.toBe('first');
    await expect(sut.guard.claim(claim)).resolves.toBe('duplicate');
  });
});

describe('B21: Redis down mid-run', () => {
  const outage = /unavailable/;
  const back = /is back;/;

  it.each(['open', 'closed'] as const)(
    'B21: fail-%s mode while Redis is down, one log line per outage, a metric per call, recovery without restart',
    async (mode) => {
      const server = new OwnRedis(await freePort());
      await server.start();
      const sut = await createLimiter({ redisUrl: server.url, prefix: `test:b21:${randomUUID()}`, mode });
      try {
        const user = randomUUID();
        await expect(sut.throttle.consume(user, 'agents')).resolves.toMatchObject({ allowed: true });
        const errorsBefore = await sut.metric('chopsticks_rate_limiter_backend_errors_total', {
          mode: `fail-${mode}`,
        });

        await server.stop();
        const during = [];
        for (let i = 0; i < 3; i += 1) during.push(await sut.throttle.consume(user, 'agents'));
        const claim = await sut.guard.claim({
          interactionId: '7',
          userId: user,
          guildId: '1',
          command: 'pools',
          fingerprint: 'x',
        });

        if (mode === 'open') {
          expect(during.filter((decision) => !decision.allowed)).toEqual([]);
          expect(claim).toBe('first');
        } else {
          expect(during).toEqual([
            { allowed: false, reason: 'unavailable' },
            { allowed: false, reason: 'unavailable' },
            { allowed: false, reason: 'unavailable' },
          ]);
          expect(claim).toBe('unavailable');
        }
        expect(sut.logger.count(outage)).toBe(1);
        expect(
          await sut.metric('chopsticks_rate_limiter_backend_errors_total', { mode: `fail-${mode}` }),
        ).toBe(errorsBefore + 4);

        await server.start();
        await until(
          async () => (await sut.throttle.consume(user, 'music')).allowed && !sut.backend.outage,
          'recovery',
        );
        const probe = new Redis(server.url);
        try {
          // Limits are shared in Redis again: the fresh server holds the key just written.
          expect(await probe.exists(`${sut.backend.options.keyPrefix}:throttle:music:${user}`)).toBe(1);
        } finally {
          await probe.quit();
        }
        expect(sut.logger.count(back)).toBe(1);
        expect(sut.logger.count(outage)).toBe(1);
      } finally {
        await sut.close();
        await server.stop();
      }
    },
  );
});

describe('fail-open outage, then recovery', () => {
  it('a mutation claimed in memory during the outage stays claimed once Redis is back (same interaction, same request)', async () => {
    const server = new OwnRedis(await freePort());
    await server.start();
    const sut = await createLimiter({
      redisUrl: server.url,
      prefix: `test:open:${randomUUID()}`,
      mode: 'open',
    });
    try {
      const claim = {
        interactionId: '42',
        userId: randomUUID(),
        guildId: '1',
        command: 'pools',
        fingerprint: 'create',
      };
      await server.stop();
      await expect(sut.guard.claim(claim)).resolves.toBe('first');

      await server.start();
      await until(
        async () => (await sut.throttle.consume(claim.userId, 'music')).allowed && !sut.backend.outage,
        'recovery',
      );

      await expect(sut.guard.claim(claim)).resolves.toBe('duplicate');
      await expect(sut.guard.claim({ ...claim, interactionId: '43' })).resolves.toBe('duplicate');
      // Another request is new, and it is the last request from then on (kept in Redis).
      await expect(sut.guard.claim({ ...claim, interactionId: '44', fingerprint: 'delete' })).resolves.toBe(
        'first',
      );
      await expect(sut.guard.claim({ ...claim, interactionId: '45' })).resolves.toBe('first');
    } finally {
      await sut.close();
      await server.stop();
    }
  });
});
