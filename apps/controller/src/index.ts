/** Public API of the controller app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { ControllerAppModule } from './app.module';
export { controllerEnvSchema, loadControllerConfig } from './config/controller.config';
export type { ControllerConfig } from './config/controller.config';
