/** Public API of the funhub app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { FunhubAppModule } from './app.module';
export { funhubEnvSchema, loadFunhubConfig } from './config/funhub.config';
export type { FunhubConfig } from './config/funhub.config';
