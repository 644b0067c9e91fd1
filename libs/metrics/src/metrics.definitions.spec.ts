import { ChopsticksMetrics } from './chopsticks-metrics';
import { parseExposition, type ExpositionFamily } from './exposition';
import type { AnyInstrument } from './metric-instruments';
import {
  METRIC_DEFINITIONS,
  METRICS_APPS,
  OTHER_LABEL_VALUE,
  type MetricDefinition,
  type MetricKey,
  type MetricsApp,
} from './metrics.definitions';
import { MetricsErrorCode, MetricsException } from './metrics.exception';

type Contract = [
  name: string,
  type: 'counter' | 'gauge' | 'histogram',
  labels: Record<string, string[] | 'any'>,
];

/** SPEC §8 runbook names (exact labels and values) plus the operator metrics the task names. */
const CONTRACT: Contract[] = [
  ['chopsticks_agent_connected', 'gauge', {}],
  ['chopsticks_agent_ready', 'gauge', {}],
  ['chopsticks_agent_busy', 'gauge', { kind: ['music', 'assistant'] }],
  ['chopsticks_agent_uptime_seconds', 'gauge', { stat: ['min', 'max', 'avg'] }],
  ['chopsticks_pool_utilization_ratio', 'gauge', { kind: ['overall', 'music', 'assistant'] }],
  ['chopsticks_agent_deployments_total', 'counter', { success: ['true', 'false'] }],
  ['chopsticks_session_allocation_duration_seconds', 'histogram', {}],
  ['chopsticks_command_duration_seconds', 'histogram', { command: 'any' }],
  ['chopsticks_rate_limit_hits_total', 'counter', { type: 'any' }],
  [
    'chopsticks_session_allocations_total',
    'counter',
    {
      kind: ['music', 'assistant'],
      outcome: ['ok', 'reused', 'no-agents-in-guild', 'no-free-agents', 'pool-not-accessible'],
    },
  ],
  ['chopsticks_session_releases_total', 'counter', { kind: ['music', 'assistant'], reason: 'any' }],
  ['chopsticks_session_failovers_total', 'counter', { outcome: 'any' }],
  ['chopsticks_rpc_duration_seconds', 'histogram', { op: 'any' }],
  ['chopsticks_rpc_errors_total', 'counter', { op: 'any', code: 'any' }],
  ['chopsticks_gateway_connections', 'gauge', {}],
  ['chopsticks_gateway_rejected_registrations_total', 'counter', { reason: 'any' }],
  ['chopsticks_gateway_frames_dropped_total', 'counter', { reason: 'any' }],
  ['chopsticks_commands_total', 'counter', { command: 'any', status: 'any' }],
  ['chopsticks_lavalink_nodes', 'gauge', { state: ['connected', 'disconnected'] }],
  ['chopsticks_runner_leases_held', 'gauge', {}],
  ['chopsticks_runner_lease_losses_total', 'counter', {}],
  ['chopsticks_rate_limiter_backend_errors_total', 'counter', { mode: 'any' }],
  [
    'chopsticks_dependency_up',
    'gauge',
    { dependency: ['postgres', 'redis', 'discord', 'agent_gateway', 'lavalink'] },
  ],
];

/** The `code` of the MetricsException `act` throws, or `undefined` when it does not throw one. */
function thrownCode(act: () => unknown): MetricsErrorCode | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof MetricsException) return error.code;
    throw error;
  }
  return undefined;
}

const definitions = Object.entries(METRIC_DEFINITIONS) as [MetricKey, MetricDefinition][];

/** Records one sample with every listed value of each label (so the exposition shows them all). */
function exerciseAll(metrics: ChopsticksMetrics): void {
  for (const [key, definition] of definitions) {
    if (!metrics.has(key)) continue;
    const instrument = metrics[key] as AnyInstrument;
    const entries = Object.entries(definition.labels);
    const width = Math.max(1, ...entries.map(([, values]) => values.length));
    for (let i = 0; i < width; i += 1) {
      const labels = Object.fromEntries(entries.map(([label, values]) => [label, values[i % values.length]]));
      const record = instrument as unknown as Record<string, (...args: unknown[]) => void>;
      const args = entries.length > 0 ? [labels, 0.5] : [0.5];
      if (definition.type === 'histogram') record.observe(...args);
      else if (definition.type === 'gauge') record.set(...args);
      else record.inc(...args);
    }
  }
}

async function exposedFamilies(app: MetricsApp): Promise<Map<string, ExpositionFamily>> {
  const sut = new ChopsticksMetrics({ app, defaultMetrics: false });
  exerciseAll(sut);
  return parseExposition(await sut.appText());
}

describe('METRIC_DEFINITIONS', () => {
  let byApp: Map<MetricsApp, Map<string, ExpositionFamily>>;

  beforeAll(async () => {
    byApp = new Map();
    for (const app of METRICS_APPS) byApp.set(app, await exposedFamilies(app));
  });

  it.each(CONTRACT)('exposes %s as a %s with exactly the contract labels', (name, type, labels) => {
    const exposing = [...byApp.values()].filter((families) => families.has(name));
    expect(exposing.length).toBeGreaterThan(0);
    for (const families of exposing) {
      const family = families.get(name)!;
      expect(family.type).toBe(type);
      expect(family.help.length).toBeGreaterThan(10);
      const labelNames = new Set(family.samples.flatMap((sample) => Object.keys(sample.labels)));
      labelNames.delete('le');
      expect([...labelNames].sort()).toEqual(Object.keys(labels).sort());
      for (const [label, values] of Object.entries(labels)) {
        if (values === 'any') continue;
        const seen = new Set(family.samples.map((sample) => sample.labels[label]));
        expect([...seen].sort()).toEqual([...values].sort());
      }
    }
  });

  it('declares every application metric exactly once, each name unique', () => {
    const names = definitions.map(([, definition]) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [name] of CONTRACT) expect(names).toContain(name);
  });

  it('follows the naming rules: chopsticks_ prefix, _total counters, _seconds histograms', () => {
    for (const [, definition] of definitions) {
      expect(definition.name).toMatch(/^chopsticks_[a-z][a-z0-9_]*[a-z0-9]$/);
      if (definition.type === 'counter') expect(definition.name).toMatch(/_total$/);
      else expect(definition.name).not.toMatch(/_total$/);
      if (definition.type === 'histogram') expect(definition.name).toMatch(/_seconds$/);
      expect(definition.apps.length).toBeGreaterThan(0);
    }
  });

  it('buckets chopsticks_session_allocation_duration_seconds from 10 µs to 1 s', () => {
    const buckets = METRIC_DEFINITIONS.sessionAllocationDuration.buckets;
    expect(buckets[0]).toBeLessThanOrEqual(0.00001);
    expect(buckets[buckets.length - 1]).toBeGreaterThanOrEqual(1);
    expect([...buckets].sort((a, b) => a - b)).toEqual([...buckets]);
  });

  it('B23: declares no id-like label and only short, bounded allow-listed values', () => {
    const idLabel = /(^|_)(id|ids|guild|user|channel|agent|member|interaction|message|token|snowflake)$/;
    for (const [, definition] of definitions) {
      for (const [label, values] of Object.entries(definition.labels)) {
        expect(label).not.toMatch(idLabel);
        expect(values.length).toBeGreaterThan(0);
        expect(values.length).toBeLessThanOrEqual(32);
        expect(new Set(values).size).toBe(values.length);
        for (const value of values) {
          expect(value).toMatch(/^[a-z][a-z0-9._-]{0,31}$/);
          expect(value).not.toMatch(/\d{5,}/);
        }
      }
    }
  });

  it('B23: caps every metric at a bounded number of series', () => {
    for (const [, definition] of definitions) {
      const series = Object.values(definition.labels).reduce((product, values) => product * values.length, 1);
      expect(series).toBeLessThanOrEqual(400);
    }
  });

  it('B23: refuses a value outside a closed allow-list and folds open labels into "other"', async () => {
    const sut = new ChopsticksMetrics({ app: 'controller', defaultMetrics: false });
    const closed = sut.agentBusy as unknown as { set(labels: Record<string, string>, value: number): void };

    expect(thrownCode(() => closed.set({ kind: '123456789012345678' }, 1))).toBe(
      MetricsErrorCode.LabelValueNotAllowed,
    );
    expect(thrownCode(() => closed.set({ kind: 'music', guild: '1' }, 1))).toBe(
      MetricsErrorCode.LabelNotDeclared,
    );
    expect(thrownCode(() => closed.set({}, 1))).toBe(MetricsErrorCode.LabelMissing);
    sut.rpcErrors.inc({ op: 'agent123456789012345678', code: 'agent-timeout' });
    const text = await sut.appText();
    expect(text).toContain(`chopsticks_rpc_errors_total{op="${OTHER_LABEL_VALUE}",code="agent-timeout"} 1`);
    expect(text).not.toContain('123456789012345678');
  });

  it('drops a labelled gauge series on remove, so an unknown value is not reported as the last one', async () => {
    const sut = new ChopsticksMetrics({ app: 'agents', defaultMetrics: false });
    sut.dependencyUp.set({ dependency: 'lavalink' }, 0);
    sut.dependencyUp.set({ dependency: 'postgres' }, 1);

    sut.dependencyUp.remove({ dependency: 'lavalink' });

    const text = await sut.appText();
    expect(text).not.toContain('dependency="lavalink"');
    expect(text).toContain('chopsticks_dependency_up{dependency="postgres"} 1');
  });

  it('throws metric-not-in-app for a metric another app owns', () => {
    const sut = new ChopsticksMetrics({ app: 'dashboard', defaultMetrics: false });

    expect(sut.has('agentConnected')).toBe(false);
    expect(() => sut.agentConnected).toThrow(MetricsException);
    expect(() => sut.agentConnected).toThrow(/declared for controller, not for dashboard/);
    expect(sut.has('dependencyUp')).toBe(true);
  });
});
