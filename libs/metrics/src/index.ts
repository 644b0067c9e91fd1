export {
  ChopsticksMetrics,
  defaultExposition,
  type ChopsticksMetricsOptions,
  type MetricAccessors,
  type MetricsExposition,
} from './chopsticks-metrics';
export {
  assertBoundedLabels,
  findLabelViolations,
  parseExposition,
  sampleValue,
  type ExpositionFamily,
  type ExpositionSample,
  type LabelViolation,
} from './exposition';
export {
  LabelledCounter,
  LabelledGauge,
  LabelledHistogram,
  PlainCounter,
  PlainGauge,
  PlainHistogram,
  type AnyInstrument,
  type LabelValue,
  type MetricInstrument,
  type MetricLabels,
} from './metric-instruments';
export { APP_METRICS_REGISTRY, PROCESS_METRICS_REGISTRY } from './metrics.constants';
export { MetricsController } from './metrics.controller';
export {
  METRIC_DEFINITIONS,
  METRICS_APPS,
  OTHER_LABEL_VALUE,
  type CounterDefinition,
  type GaugeDefinition,
  type HistogramDefinition,
  type LabelSpec,
  type MetricDefinition,
  type MetricDefinitions,
  type MetricKey,
  type MetricName,
  type MetricsApp,
} from './metrics.definitions';
export { MetricsErrorCode, MetricsException } from './metrics.exception';
export { MetricsModule } from './metrics.module';
export type { MetricsModuleExtras, MetricsModuleOptions } from './metrics.module-definition';
export { bearerTokenMatches, MetricsTokenGuard } from './metrics-token.guard';
