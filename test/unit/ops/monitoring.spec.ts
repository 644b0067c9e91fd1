import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram } from 'prom-client';
import { parse } from 'yaml';
import { ChopsticksMetrics, METRIC_DEFINITIONS, type MetricDefinition } from '@app/metrics';
import { metricNamesIn } from './promql';
import { RUNBOOK_BASE_URL } from './runbook';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const readYaml = <T>(path: string): T => parse(read(path), { merge: true }) as T;

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}
interface PromTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[] }[];
}
interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
interface GrafanaTarget {
  expr?: string;
  datasource?: { type: string; uid: string };
}
interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}
interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating: { list: { name: string; type: string; query: string }[] };
}
interface ComposeService {
  image?: string;
  build?: unknown;
  container_name?: string;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** `job` values an expression selects (`job="x"` or `job=~"a|b"`), regex alternations split. */
function jobsIn(expr: string): string[] {
  const jobs: string[] = [];
  for (const match of expr.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)) {
    const [, op, value] = match;
    if (op === '=') jobs.push(value);
    else jobs.push(...value.split('|').filter((part) => !/[.*+?()[\]]/.test(part)));
  }
  return jobs;
}

/** Every metric name a scrape can show: declared application metrics and process metrics. */
function knownMetricNames(): { exact: Set<string>; histograms: Set<string> } {
  const exact = new Set<string>(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS']);
  const histograms = new Set<string>();
  for (const definition of Object.values(METRIC_DEFINITIONS) as MetricDefinition[]) {
    exact.add(definition.name);
    if (definition.type === 'histogram') histograms.add(definition.name);
  }
  const processMetrics = new ChopsticksMetrics({ app: 'controller' }).processRegistry.getMetricsAsArray();
  for (const metric of processMetrics) {
    exact.add(metric.name);
    if (metric instanceof Histogram) histograms.add(metric.name);
  }
  return { exact, histograms };
}

function undeclaredNames(expr: string, known: ReturnType<typeof knownMetricNames>): string[] {
  return [...metricNamesIn(expr)].filter((name) => {
    if (known.exact.has(name)) return false;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !(base !== name && known.histograms.has(base));
  });
}

const ALERTS_PATH = 'monitoring/alerts/chopsticks-alerts.yml';
const DASHBOARD_PATH = 'monitoring/grafana/provisioning/dashboards/chopsticks-overview.json';
const REQUIRED_ALERTS = [
  'ChopsticksBotMetricsDown',
  'ChopsticksDashboardMetricsDown',
  'ChopsticksNoReadyAgents',
  'ChopsticksPoolUtilizationHigh',
  'ChopsticksDeployFailuresSpike',
  'ChopsticksCommandErrorRateHigh',
  'ChopsticksAllocationLatencyHigh',
  'ChopsticksFailoverSpike',
  'ChopsticksRunnerLeaseLoss',
  'ChopsticksDependencyDown',
  'ChopsticksLavalinkNodeDown',
  'ChopsticksRateLimiterBackendFailing',
];

describe('PromQL metric name extraction', () => {
  it('finds metric names and skips functions, keywords, label matchers, ranges and strings', () => {
    const sut = metricNamesIn(
      'histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{job=~"x|y", le!="1e-9"}[5m] offset 1h)))' +
        ' / on() group_left(kind) sum without (instance) (b_total) > 1e-9 and bool c unless absent(d{x="e f"})',
    );

    expect([...sut].sort()).toEqual(['a_seconds_bucket', 'b_total', 'c', 'd']);
  });

  it('reports a typo in a metric name as undeclared', () => {
    const known = knownMetricNames();

    expect(undeclaredNames('sum(chopsticks_agent_reddy) == 0', known)).toEqual(['chopsticks_agent_reddy']);
    expect(undeclaredNames('rate(chopsticks_rpc_duration_seconds_bucket[5m])', known)).toEqual([]);
    expect(undeclaredNames('rate(chopsticks_agent_ready_bucket[5m])', known)).toEqual([
      'chopsticks_agent_ready_bucket',
    ]);
  });
});

describe('monitoring/alerts/chopsticks-alerts.yml', () => {
  const rules = readYaml<RuleFile>(ALERTS_PATH).groups.flatMap((group) => group.rules);
  const alerts = rules.filter((rule) => rule.alert !== undefined);
  const known = knownMetricNames();

  it('defines every required alert once', () => {
    const names = alerts.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const required of REQUIRED_ALERTS) expect(names).toContain(required);
  });

  it('O1: names only declared metrics in every alert expression', () => {
    for (const rule of alerts) {
      expect({ alert: rule.alert, undeclared: undeclaredNames(rule.expr, known) }).toEqual({
        alert: rule.alert,
        undeclared: [],
      });
      expect(metricNamesIn(rule.expr).size).toBeGreaterThan(0);
    }
  });

  it('selects only jobs that prometheus.yml scrapes', () => {
    const jobs = new Set(
      readYaml<PrometheusConfig>('monitoring/prometheus.yml').scrape_configs.map((c) => c.job_name),
    );
    for (const rule of alerts) for (const job of jobsIn(rule.expr)) expect(jobs).toContain(job);
  });

  it('gives every alert a for duration, a severity, summary, description and a docs/OPS.md runbook', () => {
    for (const rule of alerts) {
      const anchor = `docs/OPS.md#${rule.alert!.toLowerCase()}`;
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.length).toBeGreaterThan(5);
      expect(rule.annotations?.description?.length).toBeGreaterThan(20);
      expect(rule.annotations?.runbook).toBe(anchor);
      expect(rule.annotations?.runbook_url).toBe(`${RUNBOOK_BASE_URL}#${rule.alert!.toLowerCase()}`);
    }
  });

  it('O2: has promtool tests with a firing and a non-firing case for every alert, and an idle stack case', () => {
    const testFile = readYaml<PromTestFile>('monitoring/alerts/chopsticks-alerts.test.yml');
    expect(testFile.rule_files).toEqual(['chopsticks-alerts.yml']);
    const checks = testFile.tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const rule of alerts) {
      const mine = checks.filter((check) => check.alertname === rule.alert);
      expect({ alert: rule.alert, fires: mine.some((check) => (check.exp_alerts ?? []).length > 0) }).toEqual(
        {
          alert: rule.alert,
          fires: true,
        },
      );
      expect({
        alert: rule.alert,
        quiet: mine.some((check) => (check.exp_alerts ?? []).length === 0),
      }).toEqual({
        alert: rule.alert,
        quiet: true,
      });
    }
    const idle = testFile.tests.find((test) => /idle healthy stack/.test(test.name ?? ''));
    const idleAlerts = new Set((idle?.alert_rule_test ?? []).map((check) => check.alertname));
    expect([...idleAlerts].sort()).toEqual(alerts.map((rule) => rule.alert!).sort());
    expect(idle!.alert_rule_test!.every((check) => (check.exp_alerts ?? []).length === 0)).toBe(true);
  });
});

describe('monitoring/prometheus.yml', () => {
  const config = readYaml<PrometheusConfig>('monitoring/prometheus.yml');
  const scrapes = config.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((sc) =>
      sc.targets.map((target) => ({ job: job.job_name, target, path: job.metrics_path ?? '/metrics' })),
    ),
  );

  it('scrapes each app target once, on the SPEC §1 ports and paths', () => {
    const expected = [
      { job: 'chopsticks-bot', target: 'bot:8080', path: '/metrics' },
      { job: 'chopsticks-bot-app', target: 'bot:8080', path: '/metrics-app' },
      { job: 'chopsticks-agents', target: 'agents:8081', path: '/metrics' },
      { job: 'chopsticks-dashboard', target: 'dashboard:8788', path: '/metrics' },
      { job: 'chopsticks-funhub', target: 'funhub:8790', path: '/metrics' },
      { job: 'prometheus', target: 'localhost:9090', path: '/metrics' },
    ];
    expect(scrapes).toEqual(expect.arrayContaining(expected));
    expect(scrapes).toHaveLength(expected.length);
    const endpoints = scrapes.map((scrape) => `${scrape.target}${scrape.path}`);
    expect(new Set(endpoints).size).toBe(endpoints.length);
    const jobs = config.scrape_configs.map((job) => job.job_name);
    expect(new Set(jobs).size).toBe(jobs.length);
  });

  it('loads rule files that exist, and documents the bearer token file', () => {
    expect(config.rule_files).toEqual(['alerts/chopsticks-alerts.yml']);
    for (const file of config.rule_files) expect(existsSync(join(ROOT, 'monitoring', file))).toBe(true);
    expect(read('monitoring/prometheus.yml')).toMatch(/#\s+credentials_file: /);
  });
});

describe('monitoring/grafana', () => {
  const dashboard = JSON.parse(read(DASHBOARD_PATH)) as GrafanaDashboard;
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  const dataPanels = panels.filter((panel) => panel.type !== 'row');
  const exprs = dataPanels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
  const known = knownMetricNames();

  it('is a provisioned dashboard with a uid, schemaVersion ≥ 39 and a templated Prometheus datasource', () => {
    expect(dashboard.uid).toBe('chopsticks-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dataPanels) {
      expect(panel.targets!.length).toBeGreaterThan(0);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets!)
        expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('O1: names only declared metrics in every panel query', () => {
    for (const expr of exprs) {
      expect(expr.length).toBeGreaterThan(0);
      expect({ expr, undeclared: undeclaredNames(expr, known) }).toEqual({ expr, undeclared: [] });
    }
  });

  it('charts agents, utilization, allocation quantiles, deploys, limits, commands, failovers, Lavalink, RPC and gateway', () => {
    const used = new Set(exprs.flatMap((expr) => [...metricNamesIn(expr)]));
    const charted = [
      'chopsticks_agent_connected',
      'chopsticks_agent_ready',
      'chopsticks_agent_busy',
      'chopsticks_pool_utilization_ratio',
      'chopsticks_session_allocation_duration_seconds_bucket',
      'chopsticks_agent_deployments_total',
      'chopsticks_rate_limit_hits_total',
      'chopsticks_command_duration_seconds_bucket',
      'chopsticks_commands_total',
      'chopsticks_session_failovers_total',
      'chopsticks_lavalink_nodes',
      'chopsticks_rpc_duration_seconds_bucket',
      'chopsticks_rpc_errors_total',
      'chopsticks_gateway_connections',
    ];
    for (const name of charted) expect(used).toContain(name);
    expect(
      exprs.some((expr) =>
        expr.includes('histogram_quantile(0.99, sum by (le) (rate(chopsticks_session_allocation'),
      ),
    ).toBe(true);
  });

  it('provisions the Prometheus datasource and a file provider for the dashboards directory', () => {
    const datasources = readYaml<{ datasources: { type: string; url: string; uid: string }[] }>(
      'monitoring/grafana/provisioning/datasources/prometheus.yml',
    ).datasources;
    expect(datasources).toContainEqual(
      expect.objectContaining({
        type: 'prometheus',
        url: 'http://prometheus:9090',
        uid: 'chopsticks-prometheus',
      }),
    );
    const providers = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
      'monitoring/grafana/provisioning/dashboards/dashboards.yml',
    ).providers;
    expect(providers).toContainEqual(
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '/etc/grafana/provisioning/dashboards' }),
      }),
    );
    const jsonFiles = readdirSync(join(ROOT, 'monitoring/grafana/provisioning/dashboards')).filter((f) =>
      f.endsWith('.json'),
    );
    expect(jsonFiles).toContain('chopsticks-overview.json');
  });
});

/** SPEC §2 configuration names (plus the container-only HTTP_HOST and NODE_ENV). */
const SPEC_VARIABLES = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'DISCORD_TOKEN',
  'DISCORD_CLIENT_ID',
  'DISCORD_API_URL',
  'BOT_OWNER_IDS',
  'AGENT_CONTROL_PORT',
  'AGENT_CONTROL_URL',
  'RUNNER_ID',
  'RUNNER_SECRET',
  'TOKEN_ENCRYPTION_KEYS',
  'LAVALINK_NODES',
  'HEALTH_PORT',
  'METRICS_TOKEN',
  'DASHBOARD_PORT',
  'DASHBOARD_SESSION_SECRET',
  'DISCORD_CLIENT_SECRET',
  'FUNHUB_PORT',
  'FUNHUB_URL',
  'FUNHUB_API_KEY',
  'HTTP_HOST',
  'NODE_ENV',
]);

describe('docker-compose.production.yml', () => {
  const compose = readYaml<ComposeFile>('docker-compose.production.yml');
  const services = compose.services;
  const containerPorts = (service: ComposeService): number[] =>
    (service.ports ?? []).map((port) => Number(port.split(':').pop()));
  const healthTest = (service: ComposeService): string =>
    Array.isArray(service.healthcheck?.test)
      ? service.healthcheck.test.join(' ')
      : (service.healthcheck?.test ?? '');

  it('O4: has the runbook services, container names, ports and profiles', () => {
    const expected: [string, string, number[], string[] | undefined][] = [
      ['bot', 'chopsticks-bot', [8080, 8787], undefined],
      ['agents', 'chopsticks-agents', [8081], undefined],
      ['dashboard', 'chopsticks-dashboard', [8788], ['dashboard']],
      ['funhub', 'chopsticks-funhub', [8790], ['fun']],
      ['postgres', 'chopsticks-postgres', [], undefined],
      ['redis', 'chopsticks-redis', [], undefined],
      ['lavalink', 'chopsticks-lavalink', [2333], undefined],
      ['prometheus', 'chopsticks-prometheus', [9090], ['monitoring']],
      ['grafana', 'chopsticks-grafana', [3000], ['monitoring']],
    ];
    for (const [name, container, ports, profiles] of expected) {
      const service = services[name];
      expect({ name, container: service?.container_name, profiles: service?.profiles }).toEqual({
        name,
        container,
        profiles,
      });
      for (const port of ports) expect(containerPorts(service)).toContain(port);
    }
    expect(services.lavalink.image).toBe('ghcr.io/lavalink-devs/lavalink:4');
    const names = Object.values(services).map((service) => service.container_name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^chopsticks-[a-z]+$/);
  });

  it('O4: runs the four apps from the one image with their command and a health check on /healthz or /health', () => {
    const apps: [string, string, string][] = [
      ['bot', 'controller', 'http://127.0.0.1:8080/healthz'],
      ['agents', 'agents', 'http://127.0.0.1:8081/healthz'],
      ['dashboard', 'dashboard', 'http://127.0.0.1:8788/health'],
      ['funhub', 'funhub', 'http://127.0.0.1:8790/health'],
    ];
    for (const [name, command, url] of apps) {
      const service = services[name];
      expect(service.command).toEqual([command]);
      expect(service.build).toBeDefined();
      expect(healthTest(service)).toContain(url);
      expect(healthTest(service)).toMatch(/^CMD node -e .*fetch\(/);
    }
    for (const name of ['postgres', 'redis', 'lavalink', 'prometheus', 'grafana']) {
      expect(healthTest(services[name]).length).toBeGreaterThan(0);
    }
  });

  it('O4: lets the bot container probe the runbook URLs (node fetch, curl and `chopsticks check` in the image)', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/apt-get install[^\n]*\bcurl\b/);
    expect(dockerfile).toMatch(/^\s*check\)/m);
    const header = read('docker-compose.production.yml');
    for (const url of [
      'http://127.0.0.1:8080/healthz',
      'http://dashboard:8788/health',
      'http://funhub:8790/health',
      'http://prometheus:9090/-/healthy',
    ]) {
      expect(header).toContain(`exec bot`);
      expect(header).toContain(url);
    }
  });

  it('O4: configures the apps through env_file .env and SPEC §2 variable names only', () => {
    for (const name of ['bot', 'agents', 'dashboard', 'funhub']) {
      const service = services[name];
      expect([service.env_file].flat()).toContain('.env');
      for (const variable of Object.keys(service.environment ?? {}))
        expect(SPEC_VARIABLES).toContain(variable);
    }
    expect(services.bot.environment).toEqual(
      expect.objectContaining({
        HEALTH_PORT: '8080',
        AGENT_CONTROL_PORT: '8787',
        FUNHUB_URL: 'http://funhub:8790',
      }),
    );
    expect(services.agents.environment).toEqual(
      expect.objectContaining({ AGENT_CONTROL_URL: 'ws://bot:8787' }),
    );
    expect(services.dashboard.environment).toEqual(expect.objectContaining({ DASHBOARD_PORT: '8788' }));
    expect(services.funhub.environment).toEqual(expect.objectContaining({ FUNHUB_PORT: '8790' }));
  });

  it('O4: keeps Postgres, Prometheus and Grafana data in volumes and mounts the monitoring config', () => {
    const mounts = (name: string): string[] => services[name].volumes ?? [];
    expect(mounts('postgres')).toContain('postgres-data:/var/lib/postgresql/data');
    expect(mounts('prometheus')).toContain('prometheus-data:/prometheus');
    expect(mounts('grafana')).toContain('grafana-data:/var/lib/grafana');
    for (const volume of ['postgres-data', 'prometheus-data', 'grafana-data'])
      expect(compose.volumes).toHaveProperty(volume);
    expect(mounts('prometheus')).toContain('./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(mounts('prometheus')).toContain('./monitoring/alerts:/etc/prometheus/alerts:ro');
    expect(mounts('grafana')).toContain('./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line))
    .map((line) => line.trim());

  it('is multi-stage: npm ci in a deps stage, npm run build in a build stage, a separate runtime', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(dockerfile).toMatch(/COPY --from=\w+/);
  });

  it('runs as a non-root user with a HEALTHCHECK, defaulting to the controller', () => {
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
    expect(instructions).toEqual(expect.arrayContaining([expect.stringMatching(/^HEALTHCHECK /)]));
    expect(instructions).toContain('CMD ["controller"]');
  });

  it('maps controller, agents, dashboard, funhub, cli and migrate to their entry files', () => {
    for (const app of ['controller', 'agents', 'dashboard', 'funhub']) {
      expect(dockerfile).toMatch(new RegExp(`^\\s*${app}\\) run apps/${app}/src/main\\.ts`, 'm'));
      expect(existsSync(join(ROOT, `apps/${app}/src/main.ts`))).toBe(true);
    }
    expect(dockerfile).toMatch(/^\s*cli\) run apps\/controller\/src\/cli\.ts/m);
    expect(dockerfile).toMatch(/^\s*migrate\) run scripts\/migrate\.ts/m);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', '.git', 'node_modules', 'dist']) expect(ignored).toContain(entry);
  });
});
