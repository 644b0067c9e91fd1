import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';

/** How long the dashboard's readiness waits for the controller's `/healthz` (ms). */
export const CONTROLLER_API_PROBE_TIMEOUT_MS = 2_000;

/**
 * The controller admin API as the dashboard sees it: `GET {CONTROLLER_API_URL}/healthz`.
 * Reported, not required (`controller_api: up` with `reachable`): the dashboard still serves its
 * pages and login and says the controller is unavailable, and taking it out of rotation would not
 * bring the controller back (readiness never cascades a dependency's outage).
 */
@Injectable()
export class ControllerApiHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly config: ConfigService,
  ) {}

  /** `controller_api` with `reachable: true|false` and a short reason (never the URL's credentials). */
  async check() {
    const indicator = this.indicators.check('controller_api');
    const base = this.config.get<string>('CONTROLLER_API_URL');
    if (!base) return indicator.up({ required: false, reachable: null, message: 'not configured' });
    try {
      const response = await fetch(new URL('/healthz', base), {
        signal: AbortSignal.timeout(CONTROLLER_API_PROBE_TIMEOUT_MS),
      });
      return indicator.up({
        required: false,
        reachable: response.ok,
        ...(response.ok ? {} : { message: `status ${response.status}` }),
      });
    } catch (error) {
      const message = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      return indicator.up({ required: false, reachable: false, message });
    }
  }
}
