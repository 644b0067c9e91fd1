import { INestApplicationContext } from '@nestjs/common';
import { ApiKeyScope, ApiKeysService } from '@app/access';
import {
  DEFAULT_RUNNER_CAPACITY,
  Actor,
  AgentRegistrationsService,
  AgentStatus,
  PoolsService,
  PoolVisibility,
  RunnersService,
} from '@app/pools';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliApiError, listSessions } from './admin-api-client';
import { CliApiConfig, CliConfig, loadCliApiConfig } from './cli.config';
import { TokenVerificationError } from './discord-token-verifier';
import { CliOutput } from './output';

/** What the CLI program needs; injected so tests and the entry point can vary them. */
export interface CliDependencies {
  /** Validated configuration (read lazily so `--help` works without a database). */
  config: () => CliConfig;
  /**
   * Boots (once) the Nest application context with the pools and access modules. Commands that
   * encrypt or decrypt bot tokens pass `{ tokens: true }`: then `TOKEN_ENCRYPTION_KEYS` is
   * required (EnvValidationError otherwise); every other command runs without it.
   */
  app: (access?: CliAppAccess) => Promise<INestApplicationContext>;
  output: CliOutput;
  readToken: () => Promise<string>;
  verifyToken: (apiUrl: string, token: string, clientId: string) => Promise<{ id: string; username: string }>;
  /** Admin API settings for commands that call the controller (default: from the environment). */
  apiConfig?: () => CliApiConfig;
}

/** What a command needs from the application context. */
export interface CliAppAccess {
  /** The command encrypts or decrypts bot tokens (needs `TOKEN_ENCRYPTION_KEYS`). */
  tokens?: boolean;
}

const TOKEN_ACCESS: CliAppAccess = { tokens: true };

/** A usage error detected inside a command action. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * A command that did part of its work: its result is already on stdout, `message` (what was
 * left undone) goes to stderr and the CLI exits with {@link CLI_PARTIAL_FAILURE_EXIT_CODE}.
 */
export class CliPartialFailureError extends Error {
  override name = 'CliPartialFailureError';
}

/** Exit code of a command that finished with some items left undone (e.g. undecryptable tokens). */
export const CLI_PARTIAL_FAILURE_EXIT_CODE = 2;

/** Every CLI change is audited under this operator identity. */
export const CLI_ACTOR: Actor = { id: 'cli', operator: true };

const snowflakeArg = (what: string) => (value: string) => {
  if (!/^\d{17,20}$/.test(value))
    throw new InvalidArgumentError(`${what} must be a Discord id (17–20 digits).`);
  return value;
};

const positiveInt = (what: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`${what} must be a whole number ≥ 1.`);
  return parsed;
};

const scopesArg = (value: string): ApiKeyScope[] => {
  const known = Object.values(ApiKeyScope) as string[];
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.filter((scope) => !known.includes(scope));
  if (scopes.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(`scopes must be a comma-separated list of ${known.join(', ')}.`);
  return scopes as ApiKeyScope[];
};

/**
 * The operator CLI (`npm run cli -- …`): pools, agents (tokens from stdin only), runners, key
 * rotation and API keys. Results go to stdout (`--json` on every listing), logs and errors to
 * stderr. Secrets are only ever shown masked, except the one-time display of a new credential.
 */
export function buildCliProgram(deps: CliDependencies): Command {
  const { output } = deps;
  const program = new Command('chopsticks-cli')
    .description('Chopsticks operator CLI')
    .exitOverride()
    .showHelpAfterError(false);

  const pools = program.command('pools').description('Agent pools');
  pools
    .command('create')
    .description('Create pool_<owner> owned by a Discord user')
    .requiredOption('--owner <id>', 'owner Discord user id', snowflakeArg('--owner'))
    .requiredOption('--name <name>', 'pool name')
    .addOption(
      new Option('--visibility <visibility>', 'who may deploy from it')
        .choices(Object.values(PoolVisibility))
        .default(PoolVisibility.Private),
    )
    .option('--max-agents <n>', 'capacity (1–49)', positiveInt('--max-agents'))
    .option('--json', 'print JSON')
    .action(
      async (options: {
        owner: string;
        name: string;
        visibility: PoolVisibility;
        maxAgents?: number;
        json?: boolean;
      }) => {
        const app = await deps.app();
        const pool = await app.get(PoolsService).create(
          {
            ownerId: options.owner,
            name: options.name,
            visibility: options.visibility,
            maxAgents: options.maxAgents,
          },
          CLI_ACTOR,
        );
        if (options.json) output.json(pool);
        else output.line(`Created ${pool.id} (${pool.visibility}, owner ${pool.ownerId}).`);
      },
    );
  pools
    .command('list')
    .description('List all pools')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await (await deps.app()).get(PoolsService).list();
      if (options.json) output.json(list);
      else
        output.table(list, [
          'id',
          'name',
          'ownerId',
          'visibility',
          'maxAgents',
          'maxContributionsPerUser',
          'createdAt',
        ]);
    });

  const agents = program.command('agents').description('Agent registrations');
  agents
    .command('add-token')
    .description('Register a bot token read from STDIN (never from arguments)')
    .requiredOption('--pool <id>', 'pool id')
    .requiredOption('--client-id <id>', 'Discord application id of the bot', snowflakeArg('--client-id'))
    .requiredOption('--tag <tag>', 'display tag')
    .option(
      '--contributed-by <id>',
      'contributor Discord user id (default: the pool owner)',
      snowflakeArg('--contributed-by'),
    )
    .option('--skip-verify', 'do not check the token against Discord')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        pool: string;
        clientId: string;
        tag: string;
        contributedBy?: string;
        skipVerify?: boolean;
        json?: boolean;
      }) => {
        // Boot first: without TOKEN_ENCRYPTION_KEYS the token is not even read.
        const app = await deps.app(TOKEN_ACCESS);
        const token = await deps.readToken();
        if (!options.skipVerify)
          await deps.verifyToken(deps.config().DISCORD_API_URL, token, options.clientId);
        const { agent, contribution } = await app.get(AgentRegistrationsService).register(
          {
            poolId: options.pool,
            clientId: options.clientId,
            tag: options.tag,
            token,
            contributedBy: options.contributedBy,
          },
          CLI_ACTOR,
        );
        if (options.json) output.json({ agent, contributionId: contribution?.id ?? null });
        else
          output.line(
            `Registered ${agent.agentId} in ${agent.poolId} as ${agent.status} (token ${agent.tokenMasked}).`,
          );
      },
    );
  agents
    .command('list')
    .description('List agent registrations (tokens masked)')
    .option('--pool <id>', 'only this pool')
    .addOption(new Option('--status <status>', 'only this status').choices(Object.values(AgentStatus)))
    .option('--json', 'print JSON')
    .action(async (options: { pool?: string; status?: AgentStatus; json?: boolean }) => {
      const list = await (await deps.app(TOKEN_ACCESS))
        .get(AgentRegistrationsService)
        .list({ poolId: options.pool, status: options.status });
      if (options.json) output.json(list);
      else
        output.table(list, [
          'agentId',
          'tag',
          'poolId',
          'status',
          'tokenMasked',
          'tokenKeyId',
          'failureCount',
          'backoffUntil',
        ]);
    });
  agents
    .command('set-status')
    .description(
      `Change an agent's status (${Object.values(AgentStatus).join('|')}); revoked is final and erases the token`,
    )
    .argument('<agentId>', 'agent id (agent<clientId>)')
    .argument('<status>', 'new status')
    .option('--json', 'print JSON')
    .action(async (agentId: string, status: string, options: { json?: boolean }) => {
      if (!(Object.values(AgentStatus) as string[]).includes(status)) {
        throw new CliUsageError(`status must be one of ${Object.values(AgentStatus).join(', ')}.`);
      }
      const agent = await (await deps.app(TOKEN_ACCESS))
        .get(AgentRegistrationsService)
        .setStatus(agentId, status as AgentStatus, CLI_ACTOR);
      if (options.json) output.json(agent);
      else output.line(`${agent.agentId} is now ${agent.status}.`);
    });

  const runners = program.command('runners').description('Agent runner credentials');
  runners
    .command('create')
    .description('Issue a runner credential (the secret is shown once)')
    .option(
      '--capacity <n>',
      `agents this runner may hold (default ${DEFAULT_RUNNER_CAPACITY}, as RUNNER_CAPACITY)`,
      positiveInt('--capacity'),
    )
    .option('--json', 'print JSON')
    .action(async (options: { capacity?: number; json?: boolean }) => {
      const created = await (await deps.app())
        .get(RunnersService)
        .create({ capacity: options.capacity }, CLI_ACTOR);
      if (options.json)
        output.json({
          runnerId: created.runnerId,
          secret: created.secret,
          capacity: created.runner.capacity,
        });
      else {
        output.line(`RUNNER_ID=${created.runnerId}`);
        output.line(`RUNNER_SECRET=${created.secret}`);
        output.line('Store the secret now: it is not shown again.');
      }
    });
  runners
    .command('list')
    .description('List runners')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await (await deps.app()).get(RunnersService).list();
      if (options.json) output.json(list);
      else output.table(list, ['runnerId', 'capacity', 'leases', 'lastSeenAt', 'revokedAt', 'createdAt']);
    });
  runners
    .command('revoke')
    .description('Revoke a runner credential and release its leases')
    .argument('<runnerId>', 'runner id')
    .action(async (runnerId: string) => {
      await (await deps.app()).get(RunnersService).revoke(runnerId, CLI_ACTOR);
      output.line(`Revoked ${runnerId}.`);
    });

  program
    .command('keys')
    .description('Token encryption keys')
    .command('rotate')
    .description(
      'Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS (exit 2 when some could not be decrypted)',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await (await deps.app(TOKEN_ACCESS))
        .get(AgentRegistrationsService)
        .rotateKeys(CLI_ACTOR);
      if (options.json) output.json(result);
      else
        output.line(
          `Re-encrypted ${result.rotated} token(s); ${result.total} stored token(s), current key ${result.keyId}.`,
        );
      if (result.skipped.length > 0)
        throw new CliPartialFailureError(
          `Could not decrypt ${result.skipped.length} token(s) with any key in TOKEN_ENCRYPTION_KEYS (re-register them): ${result.skipped.join(', ')}`,
        );
    });

  const apiKeys = program.command('api-keys').description('Admin API keys');
  apiKeys
    .command('create')
    .description('Create an API key (the key is shown once)')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--scopes <list>', 'comma-separated read,write,admin', scopesArg)
    .option('--expires-in-days <days>', 'expiry in days', positiveInt('--expires-in-days'))
    .option('--guild <guildId>', 'bind the key to this guild (it reaches nothing of other guilds)')
    .option('--pool <poolId>', 'bind the key to this existing pool (it reaches nothing of other pools)')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        name: string;
        scopes: ApiKeyScope[];
        expiresInDays?: number;
        guild?: string;
        pool?: string;
        json?: boolean;
      }) => {
        const app = await deps.app();
        if (options.pool !== undefined) await app.get(PoolsService).get(options.pool);
        const { key, secret } = await app.get(ApiKeysService).create({
          name: options.name,
          scopes: options.scopes,
          expiresInDays: options.expiresInDays,
          guildId: options.guild,
          poolId: options.pool,
          createdBy: CLI_ACTOR.id,
        });
        if (options.json) output.json({ ...key, key: secret });
        else {
          const bound = [key.guildId && `guild ${key.guildId}`, key.poolId && `pool ${key.poolId}`].filter(
            Boolean,
          );
          output.line(
            `API key ${key.name} (${key.scopes.join(',')}${bound.length > 0 ? `; bound to ${bound.join(' and ')}` : ''}): ${secret}`,
          );
          output.line('Store it now: it is not shown again.');
        }
      },
    );
  apiKeys
    .command('list')
    .description('List API keys (masked)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await (await deps.app()).get(ApiKeysService).list();
      if (options.json) output.json(list);
      else
        output.table(list, [
          'id',
          'name',
          'masked',
          'scopes',
          'guildId',
          'poolId',
          'expiresAt',
          'lastUsedAt',
          'revokedAt',
        ]);
    });
  apiKeys
    .command('revoke')
    .description('Revoke an API key')
    .argument('<id>', 'API key id')
    .action(async (id: string) => {
      await (await deps.app()).get(ApiKeysService).revoke(id, CLI_ACTOR.id);
      output.line(`Revoked API key ${id}.`);
    });

  const sessions = program
    .command('sessions')
    .description('Live sessions (through the controller admin API)');
  sessions
    .command('list')
    .description(
      'List live music and assistant sessions (GET /api/v1/sessions; an API key with the read scope)',
    )
    .option('--url <url>', 'controller HTTP base URL (default: CHOPSTICKS_API_URL or http://127.0.0.1:8080)')
    .option(
      '--api-key <key>',
      'admin API key (default: CHOPSTICKS_API_KEY; prefer the variable, arguments are visible to other users)',
    )
    .option('--guild <id>', 'only this guild', snowflakeArg('--guild'))
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['music', 'assistant']))
    .option('--json', 'print JSON')
    .action(
      async (options: { url?: string; apiKey?: string; guild?: string; kind?: string; json?: boolean }) => {
        const api = (deps.apiConfig ?? (() => loadCliApiConfig()))();
        const key = options.apiKey ?? api.CHOPSTICKS_API_KEY;
        if (!key)
          throw new CliUsageError(
            'Set CHOPSTICKS_API_KEY (or pass --api-key) to an admin API key with the read scope.',
          );
        const list = await listSessions(options.url ?? api.CHOPSTICKS_API_URL, key, {
          guildId: options.guild,
          kind: options.kind,
        });
        if (options.json) output.json(list);
        else
          output.table(list, [
            'sessionId',
            'kind',
            'guildId',
            'voiceChannelId',
            'agentId',
            'poolId',
            'humans',
            'createdAt',
            'lastActivityAt',
          ]);
      },
    );

  return program;
}

/** A one-line, secret-free description of an error for stderr. */
export function describeCliError(error: unknown): string {
  if (
    error instanceof TokenVerificationError ||
    error instanceof CliPartialFailureError ||
    error instanceof CliApiError
  )
    return error.message;
  if (error instanceof Error) {
    const known = ['PoolsException', 'AccessException', 'EnvValidationError', 'CliUsageError', 'Error'];
    if (known.includes(error.name) || known.includes(error.constructor.name))
      return error.message.replace(/^error: /, '');
    return `Unexpected error (${error.name}): ${error.message}`;
  }
  return 'Unexpected error.';
}
