/** Public API of the dashboard app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { DashboardAppModule } from './app.module';
export { dashboardEnvSchema, loadDashboardConfig } from './config/dashboard.config';
export type { DashboardConfig } from './config/dashboard.config';
export { escapeHtml, html } from './web/html';
export { summarize } from './live/live-state.service';
export type { LiveSnapshot } from './live/live-state.service';
