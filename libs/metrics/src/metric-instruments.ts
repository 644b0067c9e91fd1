import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  OTHER_LABEL_VALUE,
  type CounterDefinition,
  type GaugeDefinition,
  type HistogramDefinition,
  type LabelSpec,
  type MetricDefinition,
} from './metrics.definitions';
import { MetricsErrorCode, MetricsException } from './metrics.exception';

/** A label's accepted TypeScript type: the allow-list, or any string when `other` is allowed. */
export type LabelValue<V extends readonly string[]> = typeof OTHER_LABEL_VALUE extends V[number]
  ? string
  : V[number];
/** The label object a metric call takes, e.g. `{ kind: 'music' }`. */
export type MetricLabels<L extends LabelSpec> = { readonly [K in keyof L]: LabelValue<L[K]> };

type PromLabels = Record<string, string>;

/**
 * Maps caller labels to allow-listed values: an unlisted value becomes `other` when the list
 * has it, and is refused otherwise.
 * @throws MetricsException (`label-missing`, `label-not-declared`, `label-value-not-allowed`)
 */
class LabelGate {
  private readonly allowed: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(private readonly definition: MetricDefinition) {
    this.allowed = new Map(
      Object.entries(definition.labels).map(([label, values]) => [label, new Set(values)]),
    );
  }

  normalize(labels: Readonly<Record<string, string>>): PromLabels {
    const out: PromLabels = {};
    for (const [label, values] of this.allowed) {
      const value = labels[label];
      if (value === undefined) {
        throw new MetricsException(
          MetricsErrorCode.LabelMissing,
          `${this.definition.name}: label "${label}" is required`,
        );
      }
      if (values.has(value)) out[label] = value;
      else if (values.has(OTHER_LABEL_VALUE)) out[label] = OTHER_LABEL_VALUE;
      else {
        throw new MetricsException(
          MetricsErrorCode.LabelValueNotAllowed,
          `${this.definition.name}: label "${label}" must be one of ${[...values].join(', ')}; got "${value.slice(0, 64)}"`,
        );
      }
    }
    for (const label of Object.keys(labels)) {
      if (!this.allowed.has(label)) {
        throw new MetricsException(
          MetricsErrorCode.LabelNotDeclared,
          `${this.definition.name}: label "${label}" is not declared`,
        );
      }
    }
    return out;
  }
}

/** Every combination of the listed values (without `other`), for zero-initialising series. */
function labelCombinations(labels: LabelSpec): PromLabels[] {
  let combos: PromLabels[] = [{}];
  for (const [label, values] of Object.entries(labels)) {
    const listed = values.filter((value) => value !== OTHER_LABEL_VALUE);
    combos = combos.flatMap((combo) => listed.map((value) => ({ ...combo, [label]: value })));
  }
  return combos;
}

/** Labelled counters and histograms with at most this many series start at 0 (visible before use). */
const MAX_ZERO_INITIALISED_SERIES = 64;

/** A counter without labels. */
export class PlainCounter {
  private readonly counter: Counter;

  constructor(
    readonly definition: CounterDefinition,
    registry: Registry,
  ) {
    this.counter = new Counter({
      name: definition.name,
      help: definition.help,
      labelNames: Object.keys(definition.labels),
      registers: [registry],
    });
  }

  /** Adds `value` (default 1, must be ≥ 0). */
  inc(value = 1): void {
    this.counter.inc(value);
  }
}

/** A counter with allow-listed labels. */
export class LabelledCounter<L extends LabelSpec> {
  private readonly counter: Counter;
  private readonly gate: LabelGate;

  constructor(
    readonly definition: CounterDefinition & { readonly labels: L },
    registry: Registry,
  ) {
    this.gate = new LabelGate(definition);
    this.counter = new Counter({
      name: definition.name,
      help: definition.help,
      labelNames: Object.keys(definition.labels),
      registers: [registry],
    });
    const combos = labelCombinations(definition.labels);
    if (combos.length <= MAX_ZERO_INITIALISED_SERIES) for (const combo of combos) this.counter.inc(combo, 0);
  }

  /** Adds `value` (default 1, must be ≥ 0) to the series for `labels`. */
  inc(labels: MetricLabels<L>, value = 1): void {
    this.counter.inc(this.gate.normalize(labels), value);
  }
}

/** A gauge without labels. */
export class PlainGauge {
  private readonly gauge: Gauge;

  constructor(
    readonly definition: GaugeDefinition,
    registry: Registry,
  ) {
    this.gauge = new Gauge({ name: definition.name, help: definition.help, registers: [registry] });
  }

  /** Sets the value. */
  set(value: number): void {
    this.gauge.set(value);
  }

  /** Adds `value` (default 1). */
  inc(value = 1): void {
    this.gauge.inc(value);
  }

  /** Subtracts `value` (default 1). */
  dec(value = 1): void {
    this.gauge.dec(value);
  }
}

/**
 * A gauge with allow-listed labels. Series appear when first set (never zero-initialised: a
 * `chopsticks_dependency_up` of 0 would claim a dependency is down before it was checked).
 */
export class LabelledGauge<L extends LabelSpec> {
  private readonly gauge: Gauge;
  private readonly gate: LabelGate;

  constructor(
    readonly definition: GaugeDefinition & { readonly labels: L },
    registry: Registry,
  ) {
    this.gate = new LabelGate(definition);
    this.gauge = new Gauge({
      name: definition.name,
      help: definition.help,
      labelNames: Object.keys(definition.labels),
      registers: [registry],
    });
  }

  /** Sets the series for `labels`. */
  set(labels: MetricLabels<L>, value: number): void {
    this.gauge.set(this.gate.normalize(labels), value);
  }

  /** Adds `value` (default 1) to the series for `labels`. */
  inc(labels: MetricLabels<L>, value = 1): void {
    this.gauge.inc(this.gate.normalize(labels), value);
  }

  /** Subtracts `value` (default 1) from the series for `labels`. */
  dec(labels: MetricLabels<L>, value = 1): void {
    this.gauge.dec(this.gate.normalize(labels), value);
  }

  /**
   * Drops the series for `labels` from the exposition: the value is unknown again (e.g. a
   * dependency nobody can check right now), instead of a stale last value.
   */
  remove(labels: MetricLabels<L>): void {
    this.gauge.remove(this.gate.normalize(labels));
  }
}

/** Seconds elapsed since `start` (from `process.hrtime.bigint()`). */
function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A histogram (seconds) without labels. */
export class PlainHistogram {
  private readonly histogram: Histogram;

  constructor(
    readonly definition: HistogramDefinition,
    registry: Registry,
  ) {
    this.histogram = new Histogram({
      name: definition.name,
      help: definition.help,
      buckets: [...definition.buckets],
      registers: [registry],
    });
  }

  /** Records one observation in seconds. */
  observe(seconds: number): void {
    this.histogram.observe(seconds);
  }

  /** Starts a timer; calling the returned function records and returns the elapsed seconds. */
  startTimer(): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = secondsSince(start);
      this.histogram.observe(seconds);
      return seconds;
    };
  }
}

/** A histogram (seconds) with allow-listed labels. */
export class LabelledHistogram<L extends LabelSpec> {
  private readonly histogram: Histogram;
  private readonly gate: LabelGate;

  constructor(
    readonly definition: HistogramDefinition & { readonly labels: L },
    registry: Registry,
  ) {
    this.gate = new LabelGate(definition);
    this.histogram = new Histogram({
      name: definition.name,
      help: definition.help,
      labelNames: Object.keys(definition.labels),
      buckets: [...definition.buckets],
      registers: [registry],
    });
    const combos = labelCombinations(definition.labels);
    if (combos.length <= MAX_ZERO_INITIALISED_SERIES) for (const combo of combos) this.histogram.zero(combo);
  }

  /** Records one observation in seconds for `labels`. */
  observe(labels: MetricLabels<L>, seconds: number): void {
    this.histogram.observe(this.gate.normalize(labels), seconds);
  }

  /**
   * Starts a timer for `labels` (validated now); calling the returned function records and
   * returns the elapsed seconds.
   */
  startTimer(labels: MetricLabels<L>): () => number {
    const normalized = this.gate.normalize(labels);
    const start = process.hrtime.bigint();
    return () => {
      const seconds = secondsSince(start);
      this.histogram.observe(normalized, seconds);
      return seconds;
    };
  }
}

type HasNoLabels<D extends MetricDefinition> = keyof D['labels'] extends never ? true : false;

/** The typed instrument for a declaration (plain or labelled counter, gauge or histogram). */
export type MetricInstrument<D extends MetricDefinition> = D extends CounterDefinition
  ? HasNoLabels<D> extends true
    ? PlainCounter
    : LabelledCounter<D['labels']>
  : D extends GaugeDefinition
    ? HasNoLabels<D> extends true
      ? PlainGauge
      : LabelledGauge<D['labels']>
    : D extends HistogramDefinition
      ? HasNoLabels<D> extends true
        ? PlainHistogram
        : LabelledHistogram<D['labels']>
      : never;

/** The instrument classes' common shape, for code that handles any of them. */
export type AnyInstrument =
  | PlainCounter
  | LabelledCounter<LabelSpec>
  | PlainGauge
  | LabelledGauge<LabelSpec>
  | PlainHistogram
  | LabelledHistogram<LabelSpec>;

/** Builds the instrument for `definition`, registered in `registry`. */
export function createInstrument(definition: MetricDefinition, registry: Registry): AnyInstrument {
  const labelled = Object.keys(definition.labels).length > 0;
  switch (definition.type) {
    case 'counter':
      return labelled ? new LabelledCounter(definition, registry) : new PlainCounter(definition, registry);
    case 'gauge':
      return labelled ? new LabelledGauge(definition, registry) : new PlainGauge(definition, registry);
    case 'histogram':
      return labelled
        ? new LabelledHistogram(definition, registry)
        : new PlainHistogram(definition, registry);
  }
}
