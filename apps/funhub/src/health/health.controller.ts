import { Controller, Get } from '@nestjs/common';

/** Liveness of the FunHub (SPEC §1). */
@Controller()
export class HealthController {
  /** 200 as soon as the process serves HTTP. */
  @Get('health')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
