import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiscordSandbox } from '@app/sandbox';
import { runbookCliCommands } from '../unit/ops/runbook';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { encryptionKey, snowflake } from '../utils/factories';

const ROOT = join(__dirname, '..', '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the operator CLI as a real process: what `npm run -s cli -- …` executes. */
function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/controller/src/cli.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: 'none', ...env },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

/**
 * Every operator CLI command in docs/OPS.md, run for real in document order against a migrated
 * database and the Discord sandbox (token verification), with each `<placeholder>` replaced by an
 * id the listings would show: the runbook's troubleshooting steps work as written.
 */
describe('docs/OPS.md CLI commands', () => {
  let db: TestDatabase;
  let sandbox: DiscordSandbox;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await DiscordSandbox.start();
    env = {
      DATABASE_URL: db.url,
      TOKEN_ENCRYPTION_KEYS: encryptionKey('ops'),
      DISCORD_API_URL: sandbox.urls.api,
      LOG_LEVEL: 'warn',
    };
    const pool = await cli(['pools', 'create', '--owner', snowflake(), '--name', 'Runbook', '--json'], env);
    ids.poolId = (JSON.parse(pool.stdout) as { id: string }).id;
    const bot = sandbox.control.createApplication({ name: 'Runbook agent' });
    const agent = await cli(
      [
        'agents',
        'add-token',
        '--pool',
        ids.poolId,
        '--client-id',
        bot.clientId,
        '--tag',
        'Runbook',
        '--json',
      ],
      env,
      bot.token,
    );
    ids.agentId = (JSON.parse(agent.stdout) as { agent: { agentId: string } }).agent.agentId;
    const runner = await cli(['runners', 'create', '--json'], env);
    ids.runnerId = (JSON.parse(runner.stdout) as { runnerId: string }).runnerId;
    const key = await cli(['api-keys', 'create', '--name', 'runbook', '--scopes', 'read', '--json'], env);
    ids.apiKeyId = (JSON.parse(key.stdout) as { id: string }).id;
  });

  afterAll(async () => {
    await sandbox?.stop();
    await db?.drop();
  });

  const commands = runbookCliCommands(readFileSync(join(ROOT, 'docs/OPS.md'), 'utf8'));

  it('finds the runbook commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(ids).sort()).toEqual(['agentId', 'apiKeyId', 'poolId', 'runnerId']);
  });

  it.each(
    commands.map((command, index) => ({ ...command, line: `${index + 1}. ${command.args.join(' ')}` })),
  )('runs $line with exit code 0 and no secret in its output', async (command) => {
    let stdin = '';
    const extra: Record<string, string> = {};
    if (command.stdin) {
      const bot = sandbox.control.createApplication({ name: 'Runbook agent 2' });
      stdin = bot.token;
      extra.id = bot.clientId;
      extra.tag = 'Runbook 2';
    }
    const args = command.args.map((word) =>
      word.replace(/^<(\w+)>$/, (placeholder, name: string) => extra[name] ?? ids[name] ?? placeholder),
    );
    expect(args.filter((word) => /^<\w+>$/.test(word))).toEqual([]);

    const result = await cli(args, env, stdin);

    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout.length).toBeGreaterThan(0);
    if (stdin) expect(result.stdout).not.toContain(stdin);
  });
});
