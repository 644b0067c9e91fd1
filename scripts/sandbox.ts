/**
 * `npm run sandbox`: starts the Discord emulator, the Lavalink v4 emulator and the TTS test
 * endpoint on loopback, prints ONE JSON line to stdout —
 * `{"discord":{"api","gateway","control"},"lavalink":{"url","password"},"tts":{"url"}}` — and
 * stays up until SIGTERM/SIGINT, then closes everything and exits 0 (1 if closing failed).
 *
 * Ports come from flags or the environment (`SANDBOX_DISCORD_PORT`, `SANDBOX_LAVALINK_PORT`,
 * `SANDBOX_TTS_PORT`; 0 = any free port). Commander reads the environment for each option.
 */
import { DiscordSandbox, LAVALINK_DEFAULT_PASSWORD, LavalinkSandbox, TtsSandbox } from '@app/sandbox';
import { Command, InvalidArgumentError, Option } from 'commander';

interface SandboxScriptOptions {
  host: string;
  discordPort: number;
  lavalinkPort: number;
  ttsPort: number;
  lavalinkPassword: string;
  lavalinkTimeScale: number;
}

const port = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError('must be a port number 0–65535 (0 = any free port)');
  }
  return parsed;
};

const positive = (value: string): number => {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('must be a positive number');
  return parsed;
};

function parseOptions(argv: string[]): SandboxScriptOptions {
  const program = new Command('sandbox')
    .description('Discord + Lavalink + TTS emulators on loopback')
    .addOption(
      new Option('--host <address>', 'loopback address to bind').default('127.0.0.1').env('SANDBOX_HOST'),
    )
    .addOption(
      new Option('--discord-port <port>', 'Discord emulator port')
        .argParser(port)
        .default(0)
        .env('SANDBOX_DISCORD_PORT'),
    )
    .addOption(
      new Option('--lavalink-port <port>', 'Lavalink emulator port')
        .argParser(port)
        .default(0)
        .env('SANDBOX_LAVALINK_PORT'),
    )
    .addOption(
      new Option('--tts-port <port>', 'TTS endpoint port').argParser(port).default(0).env('SANDBOX_TTS_PORT'),
    )
    .addOption(
      new Option('--lavalink-password <password>', 'Lavalink node password')
        .default(LAVALINK_DEFAULT_PASSWORD)
        .env('SANDBOX_LAVALINK_PASSWORD'),
    )
    .addOption(
      new Option('--lavalink-time-scale <scale>', 'wall ms per track ms (0.01 plays 3 minutes in 1.8 s)')
        .argParser(positive)
        .default(1)
        .env('SANDBOX_LAVALINK_TIME_SCALE'),
    )
    .parse(argv);
  return program.opts<SandboxScriptOptions>();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const discord = await DiscordSandbox.start({ host: options.host, port: options.discordPort });
  const lavalink = await LavalinkSandbox.start({
    host: options.host,
    port: options.lavalinkPort,
    password: options.lavalinkPassword,
    timeScale: options.lavalinkTimeScale,
  });
  const tts = await TtsSandbox.start({ host: options.host, port: options.ttsPort });

  process.stdout.write(
    `${JSON.stringify({
      discord: { api: discord.urls.api, gateway: discord.urls.gateway, control: discord.urls.control },
      lavalink: { url: lavalink.url, password: lavalink.password },
      tts: { url: tts.url },
    })}\n`,
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sandbox: ${signal} received, stopping\n`);
    Promise.allSettled([discord.stop(), lavalink.stop(), tts.stop()])
      .then((results) => {
        const failed = results.filter((result) => result.status === 'rejected');
        for (const failure of failed)
          process.stderr.write(`sandbox: stop failed: ${String(failure.reason)}\n`);
        process.exit(failed.length > 0 ? 1 : 0);
      })
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
