import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { stringify, parse } from 'yaml';
import { listeningPort, startHttpApp } from '@app/lifecycle';
import { findLabelViolations, parseExposition, sampleValue } from '@app/metrics';
import { FunhubAppModule, loadFunhubConfig } from '@apps/funhub';
import { metricNamesIn } from '../unit/ops/promql';
import { operator } from '../utils/factories';
import { type AppProcess, freePort, REPO_ROOT, spawnApp, waitForHttp200 } from './support/app-process';
import { controllerUrl, createStack, type Stack } from './support/stack';
import { testConfig } from '../utils/test-config';

const PROMETHEUS = testConfig.prometheusBin;
const RULES = join(REPO_ROOT, 'monitoring/alerts/chopsticks-alerts.yml');
const DASHBOARD = join(REPO_ROOT, 'monitoring/grafana/provisioning/dashboards/chopsticks-overview.json');
/** Scrape and rule evaluation period of the generated config (s): short, so cycles pass quickly. */
const INTERVAL_SECONDS = 1;
const RUNNER_METRICS_TOKEN = 'runner-metrics-token';

interface AlertRule {
  alert: string;
  expr: string;
}
interface PromAlert {
  labels: { alertname: string };
  state: 'pending' | 'firing';
}
interface PromTarget {
  labels: { job: string };
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}
interface PromRuleGroup {
  name: string;
  lastEvaluation: string;
  rules: { name: string; health: string; lastError?: string }[];
}

/** A real Prometheus (Debian package) on a loopback port with a generated configuration. */
class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly output: () => string,
  ) {}

  /**
   * Starts `prometheus` with `scrapeConfigs`, loading the project's alert rules, scraping and
   * evaluating every {@link INTERVAL_SECONDS}; waits until it is ready.
   */
  static async start(dir: string, scrapeConfigs: unknown[]): Promise<Prometheus> {
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      stringify({
        global: {
          scrape_interval: `${INTERVAL_SECONDS}s`,
          scrape_timeout: `${INTERVAL_SECONDS}s`,
          evaluation_interval: `${INTERVAL_SECONDS}s`,
        },
        rule_files: [RULES],
        scrape_configs: scrapeConfigs,
      }),
    );
    const child = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const prometheus = new Prometheus(child, `http://127.0.0.1:${port}`, () => output);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output}`);
      return fetch(`${prometheus.url}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
    }, 'Prometheus to be ready');
    return prometheus;
  }

  /** `GET /api/v1/<path>`'s `data`. @throws when the API answers an error */
  async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** Instant query; returns the result vector. */
  query(expr: string): Promise<{ result: { metric: Record<string, string>; value: [number, string] }[] }> {
    return this.api(`query?query=${encodeURIComponent(expr)}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Polls `check` (async) every 250 ms until it returns true. @throws naming `what` after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * O2 with a real Prometheus: a freshly started idle stack (controller, a runner with ready
 * agents, dashboard, FunHub) scraped every second with the project's alert rules evaluated every
 * second fires no alert — none is even pending, and every alert expression evaluates to nothing —
 * while every target is up. The same Prometheus then sees the runner stop: the agent alerts'
 * expressions turn true (so the quiet result above is not an artefact of the setup). Also O1 and
 * B23 on the live scrapes: every metric an alert or Grafana panel names is exposed, no label
 * carries an id. The runner runs with METRICS_TOKEN and Prometheus scrapes it through a bearer
 * `credentials_file`, the way monitoring/prometheus.yml documents it (H2).
 */
describe('Prometheus against a running stack (O2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chopsticks-prometheus-'));
  const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups
    .flatMap((group) => group.rules)
    .filter((rule) => rule.alert);
  let stack: Stack;
  // The dashboard runs as its own process (booted in a Jest worker its Fastify plugins never
  // finish registering).
  let dashboard: AppProcess;
  let dashboardPort: number;
  let funhub: NestFastifyApplication;
  let prometheus: Prometheus;
  let guildId: string;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2 });
    guildId = stack.createGuild({ agents: 'all' }).guildId;
    await stack.startController();
    // The runner's metrics need a token: Prometheus reads it from a file, as monitoring/prometheus.yml documents.
    writeFileSync(join(dir, 'metrics-token'), RUNNER_METRICS_TOKEN);
    await stack.startRunner({ METRICS_TOKEN: RUNNER_METRICS_TOKEN });
    await stack.waitForAgents(guildId, 2);
    dashboardPort = await freePort();
    dashboard = spawnApp('dashboard', {
      NODE_ENV: 'test',
      DASHBOARD_PORT: String(dashboardPort),
      HTTP_HOST: '127.0.0.1',
    });
    await waitForHttp200(`http://127.0.0.1:${dashboardPort}/health`, 60_000);
    funhub = await startHttpApp(FunhubAppModule.forRoot(loadFunhubConfig({ LOG_LEVEL: 'error' })), {
      port: 0,
      host: '127.0.0.1',
    });
    const controller = controllerUrl(stack).replace('http://', '');
    // The job names of monitoring/prometheus.yml, pointed at this stack's loopback ports.
    prometheus = await Prometheus.start(dir, [
      { job_name: 'chopsticks-bot', metrics_path: '/metrics', static_configs: [{ targets: [controller] }] },
      {
        job_name: 'chopsticks-bot-app',
        metrics_path: '/metrics-app',
        static_configs: [{ targets: [controller] }],
      },
      {
        job_name: 'chopsticks-agents',
        metrics_path: '/metrics',
        authorization: { type: 'Bearer', credentials_file: join(dir, 'metrics-token') },
        static_configs: [{ targets: [`127.0.0.1:${stack.runner!.healthPort}`] }],
      },
      {
        job_name: 'chopsticks-dashboard',
        metrics_path: '/metrics',
        static_configs: [{ targets: [`127.0.0.1:${dashboardPort}`] }],
      },
      {
        job_name: 'chopsticks-funhub',
        metrics_path: '/metrics',
        static_configs: [{ targets: [`127.0.0.1:${listeningPort(funhub)}`] }],
      },
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (dashboard && dashboard.child.exitCode === null) {
      dashboard.child.kill('SIGTERM');
      await dashboard.exited;
    }
    await funhub?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('O2: an idle stack with ready agents fires no alert, and no alert expression has a result', async () => {
    const jobs = [
      'chopsticks-bot',
      'chopsticks-bot-app',
      'chopsticks-agents',
      'chopsticks-dashboard',
      'chopsticks-funhub',
    ];
    let targets: PromTarget[] = [];
    await eventually(async () => {
      targets = (await prometheus.api<{ activeTargets: PromTarget[] }>('targets')).activeTargets;
      return targets.length === jobs.length && targets.every((target) => target.health === 'up');
    }, 'every target to be scraped successfully').catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(targets)}`);
    });
    expect(targets.map((target) => target.labels.job).sort()).toEqual([...jobs].sort());
    // A few evaluation cycles after every target was up (rule groups report their last run).
    const upAt = Date.now();
    await eventually(async () => {
      const { groups } = await prometheus.api<{ groups: PromRuleGroup[] }>('rules');
      return (
        groups.length > 0 &&
        groups.every((group) => Date.parse(group.lastEvaluation) > upAt + 3 * INTERVAL_SECONDS * 1000)
      );
    }, 'three rule evaluation cycles');
    const { groups } = await prometheus.api<{ groups: PromRuleGroup[] }>('rules');
    const evaluated = groups.flatMap((group) => group.rules);
    expect(evaluated.map((rule) => rule.name).sort()).toEqual(alerts.map((rule) => rule.alert).sort());
    for (const rule of evaluated)
      expect({ rule: rule.name, health: rule.health }).toEqual({ rule: rule.name, health: 'ok' });
    // The idle stack really is what the rules look at: agents ready, dependencies reported up.
    expect((await prometheus.query('sum(chopsticks_agent_ready)')).result[0]?.value[1]).toBe('2');
    expect((await prometheus.query('min(chopsticks_dependency_up)')).result[0]?.value[1]).toBe('1');

    const active = (await prometheus.api<{ alerts: PromAlert[] }>('alerts')).alerts;

    expect(active.map((alert) => `${alert.labels.alertname} (${alert.state})`)).toEqual([]);
    for (const rule of alerts) {
      const { result } = await prometheus.query(rule.expr);
      expect({ alert: rule.alert, result }).toEqual({ alert: rule.alert, result: [] });
    }
  });

  it('O1, B23: every metric an alert or dashboard panel names is in the live scrapes, with no id as a label value', async () => {
    const scrapes = await Promise.all(
      [
        `${controllerUrl(stack)}/metrics`,
        `${controllerUrl(stack)}/metrics-app`,
        `http://127.0.0.1:${stack.runner!.healthPort}/metrics`,
        `http://127.0.0.1:${dashboardPort}/metrics`,
        `http://127.0.0.1:${listeningPort(funhub)}/metrics`,
      ].map(async (url) =>
        (await fetch(url, { headers: { authorization: `Bearer ${RUNNER_METRICS_TOKEN}` } })).text(),
      ),
    );
    const exposed = new Set<string>(['up']);
    for (const scrape of scrapes)
      for (const [name, family] of parseExposition(scrape)) {
        // A family with HELP/TYPE but no sample yet exists too: labelled counters with many
        // label combinations (e.g. RPC errors by op and code) get series on their first event.
        exposed.add(name);
        if (family.type === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
        for (const sample of family.samples) exposed.add(sample.name);
      }
    const panels = (
      JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
        panels: { targets?: { expr?: string }[]; panels?: { targets?: { expr?: string }[] }[] }[];
      }
    ).panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const exprs = [
      ...alerts.map((rule) => rule.expr),
      ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? '')),
    ];
    const named = new Set(exprs.flatMap((expr) => [...metricNamesIn(expr)]));

    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((name) => !exposed.has(name)).sort()).toEqual([]);
    for (const scrape of scrapes) expect(findLabelViolations(scrape)).toEqual([]);
  });

  it('O1, O2: a runner whose leases are taken counts the losses, and the lease-loss alert expression turns true', async () => {
    const runnerMetrics = async () =>
      (
        await fetch(`http://127.0.0.1:${stack.runner!.healthPort}/metrics`, {
          headers: { authorization: `Bearer ${RUNNER_METRICS_TOKEN}` },
        })
      ).text();
    expect(sampleValue(await runnerMetrics(), 'chopsticks_runner_lease_losses_total')).toBe(0);
    const leaseLoss = alerts.find((rule) => rule.alert === 'ChopsticksRunnerLeaseLoss')!;

    // What `npm run -s cli -- runners revoke` does: the runner's leases are released under it.
    await stack.ctx.runners.revoke(stack.runnerCredential.runnerId, operator);

    await eventually(
      async () => (sampleValue(await runnerMetrics(), 'chopsticks_runner_lease_losses_total') ?? 0) >= 2,
      'the runner to count its two lost leases',
    );
    await eventually(
      async () => (await prometheus.query(leaseLoss.expr)).result.length === 1,
      'the ChopsticksRunnerLeaseLoss expression to have a result',
    );
    await eventually(async () => {
      const { alerts: active } = await prometheus.api<{ alerts: PromAlert[] }>('alerts');
      return active.some((alert) => alert.labels.alertname === 'ChopsticksRunnerLeaseLoss');
    }, 'ChopsticksRunnerLeaseLoss to be pending or firing');
  });

  it('O2: the same Prometheus sees agents go away: the no-ready-agents and runner-down expressions turn true', async () => {
    stack.runner!.child.kill('SIGTERM');
    await stack.runner!.exited;

    await eventually(
      async () => (await prometheus.query('sum(chopsticks_agent_ready) == 0')).result.length === 1,
      'ChopsticksNoReadyAgents to have a result',
    );
    await eventually(async () => {
      const { alerts: active } = await prometheus.api<{ alerts: PromAlert[] }>('alerts');
      const names = new Set(active.map((alert) => alert.labels.alertname));
      return names.has('ChopsticksNoReadyAgents') && names.has('ChopsticksAgentsMetricsDown');
    }, 'ChopsticksNoReadyAgents and ChopsticksAgentsMetricsDown to be pending');
    const { alerts: active } = await prometheus.api<{ alerts: PromAlert[] }>('alerts');
    // Pending, not firing: their `for:` durations (minutes) keep a short outage from paging.
    expect(active.filter((alert) => alert.labels.alertname === 'ChopsticksNoReadyAgents')).toEqual([
      expect.objectContaining({ state: 'pending' }),
    ]);
  });
});
