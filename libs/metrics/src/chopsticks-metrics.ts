import { collectDefaultMetrics, Registry } from 'prom-client';
import { createInstrument, type MetricInstrument } from './metric-instruments';
import {
  METRIC_DEFINITIONS,
  type MetricDefinitions,
  type MetricKey,
  type MetricsApp,
} from './metrics.definitions';
import { MetricsErrorCode, MetricsException } from './metrics.exception';

/** How an app serves its registries over HTTP (SPEC §7). */
export type MetricsExposition =
  /** `/metrics` = process/runtime metrics, `/metrics-app` = application metrics (controller). */
  | 'split'
  /** `/metrics` = process and application metrics together (agents, dashboard, funhub). */
  | 'combined';

/** Options for one app's metrics. */
export interface ChopsticksMetricsOptions {
  /** Which app this is; decides which declared metrics its registry holds. */
  app: MetricsApp;
  /** Collect process/runtime metrics (`process_*`, `nodejs_*`) into the process registry; default true. */
  defaultMetrics?: boolean;
}

/** One typed instrument per declared metric, e.g. `agentConnected: PlainGauge`. */
export type MetricAccessors = { readonly [K in MetricKey]: MetricInstrument<MetricDefinitions[K]> };

/** Default layout per app: only the controller splits process and application metrics. */
export function defaultExposition(app: MetricsApp): MetricsExposition {
  return app === 'controller' ? 'split' : 'combined';
}

const AccessorBase = class {} as new () => MetricAccessors;

/**
 * One app's metrics: typed accessors for every declared metric (`metrics.agentConnected.set(3)`,
 * `metrics.sessionAllocations.inc({ kind: 'music', outcome: 'ok' })`) and two registries of its
 * own — never prom-client's global default registry, so several apps in one process never
 * collide (B22).
 *
 * - `appRegistry`: the application metrics declared for this app (`chopsticks_*`).
 * - `processRegistry`: prom-client's default process/runtime metrics (`process_*`, `nodejs_*`).
 *
 * The two hold disjoint names. Reading an accessor whose metric is declared for other apps
 * only throws `MetricsException` (`metric-not-in-app`).
 */
export class ChopsticksMetrics extends AccessorBase {
  /** The app these metrics belong to. */
  readonly app: MetricsApp;
  /** Application metrics (`/metrics-app` on the controller). */
  readonly appRegistry = new Registry();
  /** Process/runtime metrics (`/metrics` on the controller). */
  readonly processRegistry = new Registry();

  constructor(options: ChopsticksMetricsOptions) {
    super();
    this.app = options.app;
    for (const key of Object.keys(METRIC_DEFINITIONS) as MetricKey[]) {
      const definition = METRIC_DEFINITIONS[key];
      if ((definition.apps as readonly MetricsApp[]).includes(options.app)) {
        Object.defineProperty(this, key, {
          value: createInstrument(definition, this.appRegistry),
          enumerable: true,
        });
      } else {
        Object.defineProperty(this, key, {
          get: () => {
            throw new MetricsException(
              MetricsErrorCode.MetricNotInApp,
              `${definition.name} is declared for ${definition.apps.join(', ')}, not for ${options.app}`,
            );
          },
          enumerable: false,
        });
      }
    }
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.processRegistry });
  }

  /** True when `key`'s metric is exposed by this app (reading it will not throw). */
  has(key: MetricKey): boolean {
    return (METRIC_DEFINITIONS[key].apps as readonly MetricsApp[]).includes(this.app);
  }

  /** Text exposition (Prometheus 0.0.4) of the application metrics. */
  appText(): Promise<string> {
    return this.appRegistry.metrics();
  }

  /** Text exposition of the process/runtime metrics. */
  processText(): Promise<string> {
    return this.processRegistry.metrics();
  }

  /** Text exposition of both registries (names are disjoint, so nothing appears twice). */
  async combinedText(): Promise<string> {
    const [process, app] = await Promise.all([this.processRegistry.metrics(), this.appRegistry.metrics()]);
    return process.endsWith('\n') || process === '' ? `${process}${app}` : `${process}\n${app}`;
  }

  /** Content-Type header value for the text exposition. */
  get contentType(): string {
    return this.appRegistry.contentType;
  }

  /** Unregisters everything (Nest calls this on shutdown). */
  onModuleDestroy(): void {
    this.appRegistry.clear();
    this.processRegistry.clear();
  }
}
