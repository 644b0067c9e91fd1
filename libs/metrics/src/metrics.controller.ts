import { Controller, Get, Header, Inject, NotFoundException, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { ChopsticksMetrics } from './chopsticks-metrics';
import { METRICS_HTTP_OPTIONS, type MetricsHttpOptions } from './metrics.constants';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * `GET /metrics` and `GET /metrics-app` (SPEC §7), adapter-neutral (works on Fastify).
 * Layout `split`: `/metrics` = process metrics, `/metrics-app` = application metrics.
 * Layout `combined`: `/metrics` = both; `/metrics-app` = 404.
 * Both are behind {@link MetricsTokenGuard} when `METRICS_TOKEN` is set.
 */
@ApiExcludeController()
@Controller()
@UseGuards(MetricsTokenGuard)
export class MetricsController {
  constructor(
    private readonly metrics: ChopsticksMetrics,
    @Inject(METRICS_HTTP_OPTIONS) private readonly options: MetricsHttpOptions,
  ) {}

  /** Process metrics (split) or everything (combined), Prometheus text format 0.0.4. */
  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.options.exposition === 'split' ? this.metrics.processText() : this.metrics.combinedText();
  }

  /**
   * Application metrics (split layout only).
   * @throws NotFoundException in the combined layout
   */
  @Get('metrics-app')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrapeApp(): Promise<string> {
    if (this.options.exposition !== 'split') throw new NotFoundException();
    return this.metrics.appText();
  }
}
