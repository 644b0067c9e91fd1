/** PromQL reading for the monitoring tests (alert rules, Grafana panels, live Prometheus). */

const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
]);

/**
 * Metric names referenced by a PromQL expression: strings, label matchers, ranges and
 * grouping label lists are removed; identifiers followed by `(` (functions, aggregations) and
 * keywords are skipped.
 */
export function metricNamesIn(expr: string): Set<string> {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, identifier, call] = match;
    if (call !== undefined || PROMQL_KEYWORDS.has(identifier.toLowerCase())) continue;
    names.add(identifier);
  }
  return names;
}
