import { Controller, Get, Header } from '@nestjs/common';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets';

/** The stylesheet and live script (`/assets/*`), served from memory with a short cache. */
@Controller('assets')
export class AssetsController {
  @Get('dashboard.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  css(): string {
    return DASHBOARD_CSS;
  }

  @Get('dashboard.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  js(): string {
    return DASHBOARD_JS;
  }
}
