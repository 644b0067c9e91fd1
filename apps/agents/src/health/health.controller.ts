import { Controller, Get } from '@nestjs/common';

/** Liveness of the agent runner (SPEC §1). */
@Controller()
export class HealthController {
  /** 200 as soon as the process serves HTTP. */
  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
