import 'reflect-metadata';
import { runApp, startHttpApp } from '@app/lifecycle';
import { setupAdminApiDocs } from './admin-api';
import { ControllerAppModule } from './app.module';
import { loadControllerConfig } from './config/controller.config';

void runApp('controller', async () => {
  const config = loadControllerConfig();
  return startHttpApp(ControllerAppModule.forRoot(config), {
    port: config.HEALTH_PORT,
    host: config.HTTP_HOST,
    trustProxy: config.TRUST_PROXY,
    configure: (app) => setupAdminApiDocs(app, { production: config.NODE_ENV === 'production' }),
  });
});
