import 'reflect-metadata';
import { runApp, startHttpApp } from '@app/lifecycle';
import { FunhubAppModule } from './app.module';
import { loadFunhubConfig } from './config/funhub.config';
import { configureFunhubHttp } from './http/funhub-http';

void runApp('funhub', async () => {
  const config = loadFunhubConfig();
  return startHttpApp(FunhubAppModule.forRoot(config), {
    port: config.FUNHUB_PORT,
    host: config.HTTP_HOST,
    bodyLimit: 16 * 1024,
    trustProxy: config.TRUST_PROXY,
    configure: (app) => configureFunhubHttp(app, config),
  });
});
