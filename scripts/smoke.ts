import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { type SmokeCheck, discordChecks, sandboxRoundTrip, serviceChecks } from './smoke/smoke-checks';
import { loadSmokeConfig } from './smoke/smoke.config';

/**
 * `npm run smoke` (SPEC §2): post-deploy smoke checks against RUNNING services — the health
 * endpoint of every app (controller `/healthz` and `/readyz`, runner `/healthz`, dashboard and
 * FunHub `/health`), both controller metrics endpoints (`/metrics`, `/metrics-app`, with
 * `METRICS_TOKEN` when set) and one slash command round trip. The round trip goes through the
 * Discord sandbox's control API by default (a running `npm run demo` names its sandbox in
 * `<DEMO_DATA_DIR>/stack.json`); with `SMOKE_DISCORD_TOKEN` and `SMOKE_GUILD_ID` it checks real
 * Discord instead, as far as a bot can without a user: the token is valid and the controller's
 * commands are registered. Settings: scripts/smoke/smoke.config.ts.
 *
 * Flags: `--json` prints one object `{ ok, mode, checks: [{ name, ok, detail, ms }] }` on stdout.
 * Exit 0 when every check passed; 1 naming each failed check; 2 on bad configuration.
 */

/** Top-level slash commands of the controller that must be registered on real Discord. */
const CONTROLLER_COMMANDS = ['music', 'assistant', 'agents', 'pools', 'fun'] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
  const json = values.json === true;
  let config;
  try {
    config = loadSmokeConfig();
  } catch (error) {
    process.stderr.write(`smoke: ${(error as Error).message}\n`);
    return 2;
  }
  const mode = config.target.kind;
  const checks: SmokeCheck[] = await Promise.all([
    ...serviceChecks(config),
    ...(mode === 'discord' ? discordChecks(config, CONTROLLER_COMMANDS) : [sandboxRoundTrip(config)]),
  ]);
  const failed = checks.filter((check) => !check.ok);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, mode, checks })}\n`);
  } else {
    if (config.stackFile) process.stdout.write(`(defaults from the running demo: ${config.stackFile})\n`);
    for (const check of checks)
      process.stdout.write(
        `${check.ok ? '✔' : '✖'} ${check.name.padEnd(36)} ${check.detail} (${check.ms} ms)\n`,
      );
  }
  for (const check of failed) process.stderr.write(`smoke: FAILED ${check.name}: ${check.detail}\n`);
  if (!json)
    process.stdout.write(
      failed.length === 0
        ? `\nall ${checks.length} checks passed\n`
        : `\n${failed.length} of ${checks.length} checks failed\n`,
    );
  return failed.length === 0 ? 0 : 1;
}

void main().then((code) => process.exit(code));
