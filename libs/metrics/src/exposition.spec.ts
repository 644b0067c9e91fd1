import { Counter, Registry } from 'prom-client';
import { ChopsticksMetrics } from './chopsticks-metrics';
import { assertBoundedLabels, findLabelViolations, parseExposition, sampleValue } from './exposition';
import { MetricsException } from './metrics.exception';

async function exposition(build: (registry: Registry) => void): Promise<string> {
  const registry = new Registry();
  build(registry);
  return registry.metrics();
}

describe(findLabelViolations.name, () => {
  it('B23: flags a guild id used as a label value, even in an undeclared family', async () => {
    const text = await exposition((registry) => {
      new Counter({
        name: 'legacy_joins_total',
        help: 'h',
        labelNames: ['guild'],
        registers: [registry],
      }).inc({
        guild: '123456789012345678',
      });
    });

    const sut = findLabelViolations(text);

    expect(sut).toEqual([
      {
        metric: 'legacy_joins_total',
        label: 'guild',
        value: '123456789012345678',
        problem: 'looks-like-an-id',
      },
    ]);
    expect(() => assertBoundedLabels(text)).toThrow(MetricsException);
    expect(() => assertBoundedLabels(text)).toThrow(
      /legacy_joins_total\{guild="123456789012345678"\}: looks-like-an-id/,
    );
  });

  it('B23: flags undeclared chopsticks metrics, undeclared labels and values outside the allow-list', async () => {
    const text = await exposition((registry) => {
      new Counter({ name: 'chopsticks_surprise_total', help: 'h', registers: [registry] }).inc();
      new Counter({
        name: 'chopsticks_session_failovers_total',
        help: 'h',
        labelNames: ['outcome', 'agent'],
        registers: [registry],
      }).inc({ outcome: 'maybe', agent: 'agent987654321098765432' });
    });

    const problems = findLabelViolations(text).map((v) => `${v.metric}:${v.label}:${v.problem}`);

    expect(problems.sort()).toEqual(
      [
        'chopsticks_surprise_total::undeclared-metric',
        'chopsticks_session_failovers_total:outcome:value-not-allowed',
        'chopsticks_session_failovers_total:agent:undeclared-label',
        'chopsticks_session_failovers_total:agent:looks-like-an-id',
      ].sort(),
    );
  });

  it('accepts everything ChopsticksMetrics emits, histograms and process metrics included', async () => {
    const metrics = new ChopsticksMetrics({ app: 'controller' });
    metrics.commandDuration.observe({ command: 'music' }, 0.2);
    metrics.sessionAllocations.inc({ kind: 'music', outcome: 'no-free-agents' });

    const text = (await metrics.processText()) + (await metrics.appText());

    expect(findLabelViolations(text)).toEqual([]);
  });
});

describe(parseExposition.name, () => {
  it('groups histogram series under their family and unescapes label values', () => {
    const sut = parseExposition(
      [
        '# HELP x_seconds Help text.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{le="0.1",path="a\\"b"} 1',
        'x_seconds_bucket{le="+Inf",path="a\\"b"} 2',
        'x_seconds_sum{path="a\\"b"} 0.3',
        'x_seconds_count{path="a\\"b"} 2',
        'y 5',
      ].join('\n'),
    );

    const family = sut.get('x_seconds')!;
    expect(family.type).toBe('histogram');
    expect(family.help).toBe('Help text.');
    expect(family.samples).toHaveLength(4);
    expect(family.samples[1]).toEqual({
      name: 'x_seconds_bucket',
      labels: { le: '+Inf', path: 'a"b' },
      value: 2,
    });
    expect(sut.get('y')!.samples[0].value).toBe(5);
  });

  it('rejects a malformed sample line', () => {
    expect(() => parseExposition('not a sample line at all')).toThrow(/malformed sample line/);
  });
});

describe(sampleValue.name, () => {
  it('reads one series by exact labels and returns undefined when absent', async () => {
    const metrics = new ChopsticksMetrics({ app: 'controller', defaultMetrics: false });
    metrics.agentDeployments.inc({ success: 'false' });
    metrics.agentDeployments.inc({ success: 'false' });
    const stop = metrics.sessionAllocationDuration.startTimer();
    const seconds = stop();

    const text = await metrics.appText();

    expect(sampleValue(text, 'chopsticks_agent_deployments_total', { success: 'false' })).toBe(2);
    expect(sampleValue(text, 'chopsticks_agent_deployments_total', { success: 'true' })).toBe(0);
    expect(sampleValue(text, 'chopsticks_session_allocation_duration_seconds_count')).toBe(1);
    expect(sampleValue(text, 'chopsticks_session_allocation_duration_seconds_sum')).toBeCloseTo(seconds, 9);
    expect(sampleValue(text, 'chopsticks_agent_deployments_total')).toBeUndefined();
  });
});
