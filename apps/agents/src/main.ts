import 'reflect-metadata';
import { runApp, startHttpApp } from '@app/lifecycle';
import { AgentsAppModule } from './app.module';
import { loadAgentsConfig } from './config/agents.config';

void runApp('agents', async () => {
  const config = loadAgentsConfig();
  return startHttpApp(AgentsAppModule.forRoot(config), { port: config.HEALTH_PORT, host: config.HTTP_HOST });
});
