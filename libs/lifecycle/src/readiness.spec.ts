import { Test } from '@nestjs/testing';
import { HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { readinessOf } from './readiness';

describe(readinessOf.name, () => {
  let health: HealthCheckService;
  let indicators: HealthIndicatorService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
    }).compile();
    health = moduleRef.get(HealthCheckService);
    indicators = moduleRef.get(HealthIndicatorService);
  });

  it('H1: answers 200 with every dependency when all are up', async () => {
    const sut = await readinessOf(() => health.check([() => indicators.check('postgres').up()]));

    expect(sut).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok', info: { postgres: { status: 'up' } } }),
    });
  });

  it('H1: answers 503 with terminus’ body naming the dependency that is down, instead of throwing', async () => {
    const sut = await readinessOf(() =>
      health.check([
        () => indicators.check('postgres').up(),
        () => indicators.check('redis').down({ message: 'connect ECONNREFUSED' }),
      ]),
    );

    expect(sut.status).toBe(503);
    expect(sut.body).toMatchObject({
      status: 'error',
      info: { postgres: { status: 'up' } },
      error: { redis: { status: 'down', message: 'connect ECONNREFUSED' } },
    });
  });

  it('rethrows anything that is not a failed health check', async () => {
    await expect(readinessOf(() => Promise.reject(new TypeError('bug')))).rejects.toThrow(TypeError);
  });
});
