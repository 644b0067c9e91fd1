/** Why a metrics call was refused. */
export enum MetricsErrorCode {
  /** The metric is declared for other apps only (see `apps` in the declaration). */
  MetricNotInApp = 'metric-not-in-app',
  /** A declared label was not given. */
  LabelMissing = 'label-missing',
  /** A label that the declaration does not have was given. */
  LabelNotDeclared = 'label-not-declared',
  /** A closed label (no `other` in its allow-list) got a value outside the list. */
  LabelValueNotAllowed = 'label-value-not-allowed',
  /** An exposition or registry breaks the label rules (see `assertBoundedLabels`). */
  UnboundedLabels = 'unbounded-labels',
}

/**
 * Error thrown by `@app/metrics` for programming mistakes (wrong app, wrong labels). These are
 * bugs at the call site, found by the first test that runs the code path.
 */
export class MetricsException extends Error {
  constructor(
    readonly code: MetricsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MetricsException';
  }
}
