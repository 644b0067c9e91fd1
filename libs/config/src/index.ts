export { EnvValidationError, env, parseEnv } from './env';
export type { EnvIssue } from './env';
export { maskSecret, redactConfig, redactUrl, SECRET_VARIABLES } from './secrets';
export { loadEnvFile } from './dotenv';
