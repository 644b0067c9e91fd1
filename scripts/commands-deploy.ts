import 'reflect-metadata';
import { type DynamicModule } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, NestFactory, Reflector } from '@nestjs/core';
import { REST, type RESTPostAPIApplicationCommandsJSONBody, Routes } from 'discord.js';
import {
  ContextMenu,
  type ContextMenuDiscovery,
  SlashCommand,
  type SlashCommandDiscovery,
  SlashCommandsService,
  Subcommand,
} from 'necord';
import { EnvValidationError } from '@app/config';
import { ControllerAppModule, loadControllerConfig } from '@apps/controller';
import { loadDeployConfig } from './lib/commands-deploy.config';

const USAGE = 'Usage: npm run commands:deploy -- --guild <guild id> | --global [--print]';

/** Parsed command line of `commands:deploy`. */
export interface DeployTarget {
  /** Guild to register in (instant), or null for global registration. */
  guildId: string | null;
  /** Print the command JSON instead of registering it. */
  print: boolean;
}

/**
 * Reads `--guild ID` or `--global` (exactly one) and `--print`.
 * @throws Error with the usage line on anything else
 */
export function parseDeployArgs(argv: readonly string[]): DeployTarget {
  let guildId: string | null | undefined;
  let print = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--global' && guildId === undefined) guildId = null;
    else if (arg === '--guild' && guildId === undefined && /^\d{17,20}$/.test(argv[i + 1] ?? '')) {
      guildId = argv[i + 1];
      i += 1;
    } else if (arg === '--print') print = true;
    else throw new Error(USAGE);
  }
  if (guildId === undefined) throw new Error(USAGE);
  return { guildId, print };
}

/**
 * Collects the application commands a Nest module graph defines, as Discord JSON bodies, the way
 * necord builds them at runtime: the module graph is resolved in Nest's preview mode (nothing is
 * instantiated or connected, no Discord login), every provider class is scanned for necord's
 * `@SlashCommand`, `@Subcommand` (merged into their command group) and context menu metadata,
 * and each discovery is serialized with its `toJSON()`.
 * @returns the command bodies sorted by name (type, name, description, options, contexts, …)
 */
export async function collectApplicationCommands(
  root: DynamicModule,
): Promise<RESTPostAPIApplicationCommandsJSONBody[]> {
  const app = await NestFactory.createApplicationContext(root, {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    const reflector = new Reflector();
    const scanner = new MetadataScanner();
    const slashCommands = new SlashCommandsService(reflector);
    const subcommands: SlashCommandDiscovery[] = [];
    const contextMenus: ContextMenuDiscovery[] = [];
    const seen = new Set<unknown>();
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.providers.values()) {
        const metatype = wrapper.metatype;
        if (typeof metatype !== 'function' || !metatype.prototype || seen.has(metatype)) continue;
        seen.add(metatype);
        const prototype = metatype.prototype as Record<string, (...args: unknown[]) => unknown>;
        for (const method of scanner.getAllMethodNames(prototype)) {
          const handler = prototype[method];
          const command = reflector.get<SlashCommandDiscovery | undefined>(SlashCommand.KEY, handler);
          const subcommand = reflector.get<SlashCommandDiscovery | undefined>(Subcommand.KEY, handler);
          const menu = reflector.get<ContextMenuDiscovery | undefined>(ContextMenu.KEY, handler);
          for (const discovery of [command, subcommand, menu])
            discovery?.setDiscoveryMeta({ class: metatype, handler });
          if (command) slashCommands.add(command);
          if (subcommand) subcommands.push(subcommand);
          if (menu) contextMenus.push(menu);
        }
      }
    }
    for (const subcommand of subcommands) slashCommands.addSubCommand(subcommand);
    return [...slashCommands.cache.values(), ...contextMenus]
      .map((discovery) => discovery.toJSON() as RESTPostAPIApplicationCommandsJSONBody)
      .sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await app.close();
  }
}

/**
 * The controller module graph to scan for commands. The command set does not depend on
 * configuration, and preview mode instantiates nothing (no database, no key, no login), so the
 * graph is built from a fixed stand-in environment: the deploy needs none of the controller's
 * other variables (`DATABASE_URL`, `TOKEN_ENCRYPTION_KEYS`, …), and their values cannot break it.
 */
export function commandsModule(): DynamicModule {
  return ControllerAppModule.forRoot(
    loadControllerConfig({
      DISCORD_TOKEN: 'unused-for-preview',
      TOKEN_ENCRYPTION_KEYS: 'unused-for-preview',
    }),
  );
}

/**
 * `npm run commands:deploy -- --guild ID | --global [--print]`: registers exactly the slash
 * commands the controller defines, replacing whatever was registered before (bulk overwrite:
 * `PUT /applications/{application.id}/guilds/{guild.id}/commands` or
 * `PUT /applications/{application.id}/commands` — Discord Application Commands docs). Reads
 * `deployEnvSchema` (scripts/lib/commands-deploy.config.ts) from the environment (or `.env`): `DISCORD_TOKEN`, `DISCORD_API_URL` and
 * `DISCORD_CLIENT_ID`; `--print` needs none of them. Guild commands show up at once; global ones
 * may take a while in Discord clients. Exit codes: 0 registered, 1 failed (the reason on stderr,
 * never the token), 2 usage.
 */
async function main(argv: readonly string[]): Promise<number> {
  let target: DeployTarget;
  try {
    target = parseDeployArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const commands = await collectApplicationCommands(commandsModule());
  if (target.print) {
    process.stdout.write(`${JSON.stringify(commands, null, 2)}\n`);
    return 0;
  }
  const config = loadDeployConfig();
  const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
  const applicationId =
    config.DISCORD_CLIENT_ID ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  const route = target.guildId
    ? Routes.applicationGuildCommands(applicationId, target.guildId)
    : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body: commands })) as { name: string }[];
  const where = target.guildId ? `guild ${target.guildId}` : 'globally';
  process.stdout.write(
    `Registered ${registered.length} command(s) ${where} for application ${applicationId}: ${registered
      .map((command) => `/${command.name}`)
      .join(', ')}\n`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message =
        error instanceof EnvValidationError || error instanceof Error ? error.message : String(error);
      process.stderr.write(`commands:deploy failed: ${message}\n`);
      process.exit(1);
    },
  );
}
