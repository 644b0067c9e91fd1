import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads a dotenv file into `process.env` for local runs (`cp .env.example .env`). Variables
 * already set in the environment win over the file (Node's `process.loadEnvFile` semantics,
 * Node ≥ 20.12). The file is `ENV_FILE` when set (`ENV_FILE=none` disables loading, as tests
 * do), else `./.env`; a missing file is not an error.
 * @returns the absolute path that was loaded, or `null` when none was
 */
export function loadEnvFile(env: Record<string, string | undefined> = process.env): string | null {
  const configured = env.ENV_FILE;
  if (configured === 'none') return null;
  const path = resolve(configured && configured !== '' ? configured : '.env');
  if (!existsSync(path)) return null;
  process.loadEnvFile(path);
  return path;
}
