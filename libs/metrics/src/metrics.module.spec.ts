import { Injectable, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { register as globalRegistry } from 'prom-client';
import { ChopsticksMetrics } from './chopsticks-metrics';
import { assertBoundedLabels, parseExposition, sampleValue } from './exposition';
import type { MetricsApp } from './metrics.definitions';
import { MetricsModule } from './metrics.module';

const TOKEN = 'metrics-token-for-tests-0123456789';

/**
 * Stands in for an app's validated config provider (`@nestjs/config` 12 is ESM-only and cannot
 * be loaded by jest on Node 20); the wiring is the same `forRootAsync({ imports, inject })`.
 */
@Injectable()
class SettingsService {
  metricsToken: string | undefined;
}

/** A real Nest app on Fastify whose root imports MetricsModule the way the apps do. */
async function bootApp(app: MetricsApp, token?: string): Promise<NestFastifyApplication> {
  @Module({
    providers: [
      { provide: SettingsService, useValue: Object.assign(new SettingsService(), { metricsToken: token }) },
    ],
    exports: [SettingsService],
  })
  class SettingsModule {}

  @Module({
    imports: [
      MetricsModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SettingsService],
        useFactory: (settings: SettingsService) => ({ app, token: settings.metricsToken }),
      }),
    ],
  })
  class RootModule {}

  const moduleRef = await Test.createTestingModule({ imports: [RootModule] }).compile();
  const nest = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await nest.init();
  await nest.getHttpAdapter().getInstance().ready();
  return nest;
}

function metricNames(exposition: string): Set<string> {
  return new Set(parseExposition(exposition).keys());
}

describe(MetricsModule.name, () => {
  const apps: NestFastifyApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('B22: boots two apps importing MetricsModule in one process without a registration clash', async () => {
    const controller = await bootApp('controller');
    apps.push(controller);
    const second = await bootApp('controller');
    apps.push(second);
    const runner = await bootApp('agents');
    apps.push(runner);

    const sut = controller.get(ChopsticksMetrics);
    sut.agentConnected.set(7);
    second.get(ChopsticksMetrics).agentConnected.set(2);
    runner.get(ChopsticksMetrics).runnerLeasesHeld.set(4);

    const first = await controller.inject({ method: 'GET', url: '/metrics-app' });
    const other = await second.inject({ method: 'GET', url: '/metrics-app' });
    const agents = await runner.inject({ method: 'GET', url: '/metrics' });
    expect(sampleValue(first.body, 'chopsticks_agent_connected')).toBe(7);
    expect(sampleValue(other.body, 'chopsticks_agent_connected')).toBe(2);
    expect(sampleValue(agents.body, 'chopsticks_runner_leases_held')).toBe(4);
    expect(sut).not.toBe(second.get(ChopsticksMetrics));
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('chopsticks_'))).toEqual([]);
  });

  it('serves disjoint /metrics (process) and /metrics-app (application) on the controller', async () => {
    const sut = await bootApp('controller');
    apps.push(sut);

    const processResponse = await sut.inject({ method: 'GET', url: '/metrics' });
    const appResponse = await sut.inject({ method: 'GET', url: '/metrics-app' });

    expect(processResponse.statusCode).toBe(200);
    expect(appResponse.statusCode).toBe(200);
    expect(processResponse.headers['content-type']).toContain('text/plain; version=0.0.4');
    const processNames = metricNames(processResponse.body);
    const appNames = metricNames(appResponse.body);
    expect(processNames.has('process_cpu_user_seconds_total')).toBe(true);
    expect(processNames.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(appNames.has('chopsticks_agent_connected')).toBe(true);
    expect([...processNames].filter((name) => appNames.has(name))).toEqual([]);
    expect([...processNames].filter((name) => name.startsWith('chopsticks_'))).toEqual([]);
    assertBoundedLabels(processResponse.body + appResponse.body);
  });

  it('serves process and application metrics together on /metrics for the other apps, each once', async () => {
    const sut = await bootApp('funhub');
    apps.push(sut);
    sut.get(ChopsticksMetrics).rateLimitHits.inc({ type: 'funhub' });

    const response = await sut.inject({ method: 'GET', url: '/metrics' });
    const appOnly = await sut.inject({ method: 'GET', url: '/metrics-app' });

    expect(response.statusCode).toBe(200);
    const typeLines = response.body.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
    expect(sampleValue(response.body, 'chopsticks_rate_limit_hits_total', { type: 'funhub' })).toBe(1);
    expect(metricNames(response.body).has('process_resident_memory_bytes')).toBe(true);
    expect(metricNames(response.body).has('chopsticks_agent_ready')).toBe(false);
    expect(appOnly.statusCode).toBe(404);
  });

  describe('H2: METRICS_TOKEN bearer guard', () => {
    let sut: NestFastifyApplication;
    beforeEach(async () => {
      sut = await bootApp('controller', TOKEN);
      apps.push(sut);
    });

    it.each(['/metrics', '/metrics-app'])(
      'H2: %s without a token is 401 and does not echo the token',
      async (url) => {
        const response = await sut.inject({ method: 'GET', url });

        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toContain('Bearer');
        expect(response.body).not.toContain(TOKEN);
        expect(response.body).not.toContain('chopsticks_');
      },
    );

    it.each([`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${TOKEN}`, TOKEN])(
      'H2: a wrong Authorization header (%s) is 401',
      async (authorization) => {
        const response = await sut.inject({ method: 'GET', url: '/metrics', headers: { authorization } });

        expect(response.statusCode).toBe(401);
      },
    );

    it.each(['/metrics', '/metrics-app'])('H2: %s with Authorization: Bearer T is 200', async (url) => {
      const response = await sut.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${TOKEN}` },
      });

      expect(response.statusCode).toBe(200);
      expect(response.body).toMatch(/^# HELP /m);
    });
  });

  it('H2: without METRICS_TOKEN the routes are open', async () => {
    const sut = await bootApp('dashboard', '');
    apps.push(sut);

    const response = await sut.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
  });
});
