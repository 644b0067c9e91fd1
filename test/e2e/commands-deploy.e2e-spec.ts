import { spawn } from 'node:child_process';
import { REPO_ROOT } from './support/app-process';
import { createStack, type Stack } from './support/stack';

/** Runs `npm run commands:deploy -- <args>` as its own process with exactly `env`. */
async function deployCommands(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const child = spawn('npm', ['run', '-s', 'commands:deploy', '--', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (exit) => resolve(exit ?? -1)));
  return { code, output };
}

/** The fields of a registered command (Discord's Application Command Object) the code decides. */
interface RegisteredCommand {
  name: string;
  description: string;
  options?: unknown[];
  contexts: number[] | null;
  type: number;
  default_member_permissions: string | null;
}

/** What Discord keeps of a command body, without the ids and versions it assigns. */
function shape(commands: unknown[]): RegisteredCommand[] {
  return (commands as RegisteredCommand[])
    .map(({ name, description, options, contexts, type, default_member_permissions }) => ({
      name,
      description,
      options,
      contexts,
      type,
      default_member_permissions,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('commands:deploy (against the Discord sandbox)', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    // The running controller registers its commands itself (necord, global): the code's list.
    await stack.startController();
    // Only the Discord variables the deploy uses: no TOKEN_ENCRYPTION_KEYS, no DATABASE_URL (QA6),
    // and a controller variable with a value the controller would refuse does not matter either.
    env = {
      DISCORD_TOKEN: stack.controllerBot.token,
      DISCORD_CLIENT_ID: stack.controllerBot.clientId,
      DISCORD_API_URL: stack.discord.urls.api,
      HEALTH_PORT: 'not-a-port',
    };
  });

  afterAll(() => stack.close());

  it('--guild registers exactly the commands the controller defines in that guild', async () => {
    const guild = stack.createGuild({ agents: 'none' });
    const appId = stack.controllerBot.applicationId;
    const codeCommands = shape(stack.discord.control.listCommands(appId));
    expect(codeCommands.length).toBeGreaterThan(0);
    expect(stack.discord.control.listCommands(appId, guild.guildId)).toEqual([]);

    const result = await deployCommands(['--guild', guild.guildId], env);

    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`guild ${guild.guildId}`);
    expect(result.output).not.toContain(stack.controllerBot.token);
    expect(shape(stack.discord.control.listCommands(appId, guild.guildId))).toEqual(codeCommands);

    // Bulk overwrite: deploying again leaves the same set, not a second copy.
    await expect(deployCommands(['--guild', guild.guildId], env)).resolves.toMatchObject({ code: 0 });
    expect(shape(stack.discord.control.listCommands(appId, guild.guildId))).toEqual(codeCommands);
  });

  it('--global registers the same set for an application, finding its id from the token', async () => {
    const other = stack.discord.control.createApplication({
      name: 'Chopsticks staging',
      username: 'staging',
    });
    const codeCommands = shape(stack.discord.control.listCommands(stack.controllerBot.applicationId));

    const result = await deployCommands(['--global'], {
      ...env,
      DISCORD_TOKEN: other.token,
      DISCORD_CLIENT_ID: '',
    });

    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`application ${other.applicationId}`);
    expect(shape(stack.discord.control.listCommands(other.applicationId))).toEqual(codeCommands);
  });

  it('names the missing DISCORD_TOKEN (exit 1) and never needs it for --print', async () => {
    const { DISCORD_TOKEN: _token, ...withoutToken } = env;

    const refused = await deployCommands(['--global'], withoutToken);
    const printed = await deployCommands(['--global', '--print'], {});

    expect(refused).toMatchObject({ code: 1 });
    expect(refused.output).toContain('DISCORD_TOKEN');
    expect(printed).toMatchObject({ code: 0 });
    expect((JSON.parse(printed.output) as { name: string }[]).map((command) => command.name)).toEqual(
      shape(stack.discord.control.listCommands(stack.controllerBot.applicationId)).map(
        (command) => command.name,
      ),
    );
  });

  it('refuses a call without exactly one target with the usage line (exit 2)', async () => {
    const none = await deployCommands([], env);
    const both = await deployCommands(['--global', '--guild', '123456789012345678'], env);

    expect(none).toMatchObject({ code: 2 });
    expect(none.output).toContain('--guild <guild id> | --global');
    expect(both).toMatchObject({ code: 2 });
  });
});
