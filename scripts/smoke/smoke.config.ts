import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { env, loadEnvFile, parseEnv } from '@app/config';
import { type DemoStackFile, demoStackFile, demoStackFileSchema } from '../demo/stack-file';

/**
 * Environment of `npm run smoke` (SPEC §2). URLs of the running services default to the
 * documented localhost ports (SPEC §1) — or, when a running `npm run demo` left
 * `<DEMO_DATA_DIR>/stack.json`, to that stack's ports:
 * - `SMOKE_CONTROLLER_URL` (`http://127.0.0.1:8080`), `SMOKE_RUNNER_URL` (`:8081`),
 *   `SMOKE_DASHBOARD_URL` (`:8788`), `SMOKE_FUNHUB_URL` (`:8790`);
 * - `METRICS_TOKEN` [secret]: sent as `Authorization: Bearer` to the metrics endpoints when set;
 * - `SMOKE_TIMEOUT_MS` (5000): per request; the slash round trip gets 15 s;
 * - sandbox round trip (default mode): `SMOKE_SANDBOX_URL` (the Discord sandbox's control API,
 *   `…/_sandbox`), `SMOKE_SANDBOX_APPLICATION_ID`, `SMOKE_SANDBOX_CHANNEL_ID`,
 *   `SMOKE_SANDBOX_USER_ID` (the demo's stack file provides all four);
 * - real Discord mode when both `SMOKE_DISCORD_TOKEN` [secret, the controller bot's token] and
 *   `SMOKE_GUILD_ID` are set; `SMOKE_DISCORD_API_URL` (`https://discord.com/api/v10`).
 */
export const smokeEnvSchema = z.object({
  SMOKE_CONTROLLER_URL: env.optionalUrl(['http:', 'https:']),
  SMOKE_RUNNER_URL: env.optionalUrl(['http:', 'https:']),
  SMOKE_DASHBOARD_URL: env.optionalUrl(['http:', 'https:']),
  SMOKE_FUNHUB_URL: env.optionalUrl(['http:', 'https:']),
  METRICS_TOKEN: env.optionalString(),
  SMOKE_TIMEOUT_MS: env.int(5000, 100, 120_000),
  SMOKE_SANDBOX_URL: env.optionalUrl(['http:', 'https:']),
  SMOKE_SANDBOX_APPLICATION_ID: env.optionalString(),
  SMOKE_SANDBOX_CHANNEL_ID: env.optionalString(),
  SMOKE_SANDBOX_USER_ID: env.optionalString(),
  SMOKE_DISCORD_TOKEN: env.optionalString(),
  SMOKE_GUILD_ID: env.optionalString(),
  SMOKE_DISCORD_API_URL: env.url(['http:', 'https:'], 'https://discord.com/api/v10'),
  DEMO_DATA_DIR: env.string().default('./.data/demo'),
});

/** Where the slash-command round trip goes. */
export type SmokeTarget =
  | {
      kind: 'sandbox';
      /** Control API base (`…/_sandbox`); null when neither env nor a running demo names one. */
      control: string | null;
      applicationId: string | null;
      channelId: string | null;
      userId: string | null;
    }
  | { kind: 'discord'; apiUrl: string; token: string; guildId: string };

/** Resolved smoke configuration. */
export interface SmokeConfig {
  controller: string;
  runner: string;
  dashboard: string;
  funhub: string;
  metricsToken: string | undefined;
  timeoutMs: number;
  target: SmokeTarget;
  /** The demo stack file the defaults came from, or null. */
  stackFile: string | null;
}

function readStackFile(path: string): DemoStackFile | null {
  if (!existsSync(path)) return null;
  const parsed = demoStackFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : null;
}

/**
 * Reads the smoke environment (and `.env` when reading `process.env`).
 * @throws EnvValidationError naming a malformed variable
 */
export function loadSmokeConfig(source: Record<string, string | undefined> = process.env): SmokeConfig {
  if (source === process.env) loadEnvFile();
  const parsed = parseEnv(smokeEnvSchema, source);
  const path = demoStackFile(parsed.DEMO_DATA_DIR);
  const stack = readStackFile(path);
  const target: SmokeTarget =
    parsed.SMOKE_DISCORD_TOKEN && parsed.SMOKE_GUILD_ID
      ? {
          kind: 'discord',
          apiUrl: parsed.SMOKE_DISCORD_API_URL.replace(/\/+$/, ''),
          token: parsed.SMOKE_DISCORD_TOKEN,
          guildId: parsed.SMOKE_GUILD_ID,
        }
      : {
          kind: 'sandbox',
          control: parsed.SMOKE_SANDBOX_URL ?? stack?.sandbox.control ?? null,
          applicationId: parsed.SMOKE_SANDBOX_APPLICATION_ID ?? stack?.sandbox.applicationId ?? null,
          channelId: parsed.SMOKE_SANDBOX_CHANNEL_ID ?? stack?.sandbox.channelId ?? null,
          userId: parsed.SMOKE_SANDBOX_USER_ID ?? stack?.sandbox.userId ?? null,
        };
  const base = (value: string) => value.replace(/\/+$/, '');
  return {
    controller: base(parsed.SMOKE_CONTROLLER_URL ?? stack?.controller ?? 'http://127.0.0.1:8080'),
    runner: base(parsed.SMOKE_RUNNER_URL ?? stack?.runner ?? 'http://127.0.0.1:8081'),
    dashboard: base(parsed.SMOKE_DASHBOARD_URL ?? stack?.dashboard ?? 'http://127.0.0.1:8788'),
    funhub: base(parsed.SMOKE_FUNHUB_URL ?? stack?.funhub ?? 'http://127.0.0.1:8790'),
    metricsToken: parsed.METRICS_TOKEN,
    timeoutMs: parsed.SMOKE_TIMEOUT_MS,
    target,
    stackFile: stack ? path : null,
  };
}
