import { METRIC_DEFINITIONS, type MetricDefinition } from './metrics.definitions';
import { MetricsErrorCode, MetricsException } from './metrics.exception';

/** One sample line of a text exposition: `name{labels} value`. */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: `# TYPE` and `# HELP` lines plus its samples. */
export interface ExpositionFamily {
  name: string;
  type: string;
  help: string;
  samples: ExpositionSample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_total'] as const;

function unescapeLabel(value: string): string {
  return value.replace(/\\(n|\\|")/g, (_match, ch: string) => (ch === 'n' ? '\n' : ch));
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/**
 * Parses a Prometheus text exposition (format 0.0.4, as served by `/metrics`) into families.
 * Samples whose name is `<family>_bucket|_sum|_count` are attached to their family.
 * @throws MetricsException (`unbounded-labels`) on a malformed sample line
 */
export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const family = (name: string): ExpositionFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const meta = /^#\s+(TYPE|HELP)\s+(\S+)\s*(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, 'TYPE' | 'HELP', string, string];
      if (kind === 'TYPE') family(name).type = rest;
      else family(name).help = rest;
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match)
      throw new MetricsException(MetricsErrorCode.UnboundedLabels, `malformed sample line: ${line}`);
    const [, name, labelText = '', value] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    LABEL_PAIR.lastIndex = 0;
    let pair: RegExpExecArray | null;
    while ((pair = LABEL_PAIR.exec(labelText)) !== null) labels[pair[1]] = unescapeLabel(pair[2]);
    family(familyOf(name, families)).samples.push({ name, labels, value: parseValue(value) });
  }
  return families;
}

function familyOf(sampleName: string, families: ReadonlyMap<string, ExpositionFamily>): string {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of SUFFIXES) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length);
      if (families.has(base)) return base;
    }
  }
  return sampleName;
}

/** One broken label rule found by {@link findLabelViolations}. */
export interface LabelViolation {
  metric: string;
  label: string;
  value: string;
  problem: 'undeclared-metric' | 'undeclared-label' | 'value-not-allowed' | 'looks-like-an-id';
}

const DEFINITIONS_BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(
  Object.values(METRIC_DEFINITIONS).map((definition: MetricDefinition) => [definition.name, definition]),
);

/** Labels Prometheus client libraries add themselves (histogram buckets, summary quantiles). */
const STRUCTURAL_LABELS = new Set(['le', 'quantile']);
/**
 * A Discord snowflake (17–20 digits: guild, user, channel, application ids), alone or inside
 * an agent id (`agent<clientId>`) or pool id (`pool_<userId>`).
 */
const EMBEDS_SNOWFLAKE = /\d{17,20}/;

/**
 * Checks a text exposition against the declarations (B23): every `chopsticks_*` family is
 * declared, its labels are the declared ones and each value is in the label's allow-list; in
 * any family (including process metrics) no label value looks like a Discord id.
 * @returns the violations, empty when the exposition is clean
 */
export function findLabelViolations(exposition: string): LabelViolation[] {
  const violations: LabelViolation[] = [];
  for (const family of parseExposition(exposition).values()) {
    const definition = DEFINITIONS_BY_NAME.get(family.name);
    if (definition === undefined && family.name.startsWith('chopsticks_')) {
      violations.push({ metric: family.name, label: '', value: '', problem: 'undeclared-metric' });
    }
    for (const sample of family.samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        if (EMBEDS_SNOWFLAKE.test(value)) {
          violations.push({ metric: family.name, label, value, problem: 'looks-like-an-id' });
        }
        if (definition === undefined || STRUCTURAL_LABELS.has(label)) continue;
        const allowed = (definition.labels as Readonly<Record<string, readonly string[]>>)[label];
        if (allowed === undefined)
          violations.push({ metric: family.name, label, value, problem: 'undeclared-label' });
        else if (!allowed.includes(value)) {
          violations.push({ metric: family.name, label, value, problem: 'value-not-allowed' });
        }
      }
    }
  }
  return violations;
}

/**
 * Throws when {@link findLabelViolations} finds anything; for tests that scrape a running app.
 * @throws MetricsException (`unbounded-labels`) listing each violation
 */
export function assertBoundedLabels(exposition: string): void {
  const violations = findLabelViolations(exposition);
  if (violations.length === 0) return;
  const lines = violations.map(
    (v) => `${v.metric}${v.label ? `{${v.label}="${v.value}"}` : ''}: ${v.problem}`,
  );
  throw new MetricsException(
    MetricsErrorCode.UnboundedLabels,
    `metric label rules broken:\n${lines.join('\n')}`,
  );
}

/**
 * The value of one series in a text exposition, or `undefined` when absent. `labels` must
 * match exactly (all of the sample's labels).
 */
export function sampleValue(
  exposition: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  for (const family of parseExposition(exposition).values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      const keys = Object.keys(sample.labels);
      if (keys.length === wanted.length && wanted.every(([key, value]) => sample.labels[key] === value)) {
        return sample.value;
      }
    }
  }
  return undefined;
}
