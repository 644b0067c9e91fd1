import 'reflect-metadata';
import { runApp, startHttpApp } from '@app/lifecycle';
import { DashboardAppModule } from './app.module';
import { loadDashboardConfig } from './config/dashboard.config';

void runApp('dashboard', async () => {
  const config = loadDashboardConfig();
  return startHttpApp(DashboardAppModule.forRoot(config), {
    port: config.DASHBOARD_PORT,
    host: config.HTTP_HOST,
    trustProxy: config.TRUST_PROXY,
  });
});
