/** Public API of the funhub app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { FunhubAppModule } from './app.module';
export { funhubEnvSchema, loadFunhubConfig, DEFAULT_FUNHUB_DATA_DIR } from './config/funhub.config';
export type { FunhubConfig } from './config/funhub.config';
export {
  buildFunhubDocument,
  configureFunhubHttp,
  FUNHUB_DOCS_JSON_PATH,
  FUNHUB_DOCS_PATH,
} from './http/funhub-http';
export { FUN_CATEGORIES, type FunCategory, type FunVariant } from './catalog/fun-variant.schema';
export { loadFunVariants } from './catalog/fun-catalog.loader';
export { FunhubErrorCode, FunhubException } from './catalog/funhub.exception';
export { RATE_LIMIT_HEADERS } from './api-access/api-access.constants';
