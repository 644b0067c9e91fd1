import 'reflect-metadata';
import { SHUTDOWN_DEADLINE_MS, runApp, startHttpApp } from '@app/lifecycle';
import { AgentsAppModule } from './app.module';
import { loadAgentsConfig } from './config/agents.config';
import { RunnerService } from './runner/runner.service';

void runApp('agents', async () => {
  const config = loadAgentsConfig();
  const app = await startHttpApp(AgentsAppModule.forRoot(config), {
    port: config.HEALTH_PORT,
    host: config.HTTP_HOST,
  });
  // A runner id is one process: when another process took this runner id over, shut down through
  // the normal path (which keeps the leases, see RunnerService) and exit 1 so an orchestrator notices.
  app.get(RunnerService).onReplaced(() => {
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    void app.close().finally(() => process.exit(1));
  });
  return app;
});
