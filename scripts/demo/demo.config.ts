import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { env, parseEnv } from '@app/config';

/** Environment the demo reads; everything else is generated or embedded. */
export const demoEnvSchema = z.object({
  DATABASE_URL: env.optionalUrl(['postgres:', 'postgresql:']),
  REDIS_URL: env.optionalUrl(['redis:', 'rediss:']),
  TOKEN_ENCRYPTION_KEYS: env.optionalString(),
  DEMO_DATA_DIR: env.string().default('./.data/demo'),
  /**
   * `default`: the documented ports (controller 8080, agent gateway 8787, runner 8081, dashboard
   * 8788, FunHub 8790) when free, else any free port; `auto`: any free port (tests).
   */
  DEMO_PORTS: env.oneOf(['default', 'auto'] as const, 'default'),
});

/** Validated demo configuration. */
export type DemoConfig = z.output<typeof demoEnvSchema> & { TOKEN_ENCRYPTION_KEYS: string };

/**
 * Reads the demo's environment. Without `TOKEN_ENCRYPTION_KEYS`, a key is generated once and
 * kept in `<DEMO_DATA_DIR>/token-keys` (mode 0600, under the git-ignored `.data/`) so tokens
 * stored by an earlier run still decrypt.
 * @throws EnvValidationError naming a malformed variable
 */
export function loadDemoConfig(source: Record<string, string | undefined> = process.env): DemoConfig {
  const parsed = parseEnv(demoEnvSchema, source);
  const keysFile = `${parsed.DEMO_DATA_DIR}/token-keys`;
  let keys = parsed.TOKEN_ENCRYPTION_KEYS;
  if (!keys) {
    if (!existsSync(keysFile)) {
      mkdirSync(dirname(keysFile), { recursive: true });
      writeFileSync(keysFile, `demo1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    }
    keys = readFileSync(keysFile, 'utf8').trim();
  }
  return { ...parsed, TOKEN_ENCRYPTION_KEYS: keys };
}
