import { execFile } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { DiscordSandbox } from '@app/sandbox';
import { AgentBot, TokenCipher } from '@app/pools';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../utils/database';
import { encryptionKey, fakeBotToken, snowflake } from '../utils/factories';

const ROOT = path.resolve(__dirname, '../..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a real process; `viaNpm` goes through `npm run -s cli --` like an operator. */
function cli(args: string[], env: Record<string, string>, stdin = '', viaNpm = false): Promise<CliResult> {
  const [command, argv] = viaNpm
    ? ['npm', ['run', '-s', 'cli', '--', ...args]]
    : [process.execPath, ['-r', '@swc-node/register', 'apps/controller/src/cli.ts', ...args]];
  return new Promise((resolve) => {
    const child = execFile(
      command,
      argv,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('operator CLI', () => {
  let db: TestDatabase;
  let sandbox: DiscordSandbox;
  let env: Record<string, string>;
  const oldKey = encryptionKey('old');
  const ownerId = snowflake();
  const poolId = `pool_${ownerId}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await DiscordSandbox.start();
    env = { DATABASE_URL: db.url, TOKEN_ENCRYPTION_KEYS: oldKey, DISCORD_API_URL: sandbox.urls.api };
    const created = await cli(['pools', 'create', '--owner', ownerId, '--name', 'CLI pool', '--json'], env);
    expect(created).toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await db?.drop();
  });

  async function storedRow(agentId: string): Promise<AgentBot & { raw: string }> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT * FROM agent_bots WHERE agent_id = $1`,
        [agentId],
      );
      const row = rows[0];
      return {
        tokenCiphertext: row.token_ciphertext as Buffer,
        tokenKeyId: row.token_key_id as string,
        raw: JSON.stringify(row, (_key, value: unknown) =>
          Buffer.isBuffer(value) ? value.toString('latin1') : value,
        ),
      } as AgentBot & { raw: string };
    } finally {
      await client.end();
    }
  }

  it('K6: add-token reads the token from stdin, stores no plaintext, lists it masked; rotation keeps it decryptable', async () => {
    const token = fakeBotToken();
    const clientId = snowflake();
    const added = await cli(
      [
        'agents',
        'add-token',
        '--pool',
        poolId,
        '--client-id',
        clientId,
        '--tag',
        'Agent One',
        '--skip-verify',
      ],
      env,
      token,
      true,
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(
      `Registered agent${clientId} in ${poolId} as active (token ****${token.slice(-4)})`,
    );
    expect(added.stdout + added.stderr).not.toContain(token);
    const before = await storedRow(`agent${clientId}`);
    expect(before.raw).not.toContain(token);
    expect(before.tokenKeyId).toBe('old');

    const listed = await cli(['agents', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(token);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        agentId: `agent${clientId}`,
        tokenMasked: `****${token.slice(-4)}`,
        tokenKeyId: 'old',
      }),
    ]);

    const newKey = encryptionKey('new');
    const rotatedEnv = { ...env, TOKEN_ENCRYPTION_KEYS: `${newKey},${oldKey}` };
    const rotated = await cli(['keys', 'rotate', '--json'], rotatedEnv);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ keyId: 'new', rotated: 1, skipped: [] });
    const after = await storedRow(`agent${clientId}`);
    expect(after.tokenKeyId).toBe('new');
    expect(
      TokenCipher.fromKeyList(newKey).decrypt(`agent${clientId}`, {
        ciphertext: after.tokenCiphertext!,
        keyId: 'new',
      }),
    ).toBe(token);
    const again = await cli(['keys', 'rotate', '--json'], rotatedEnv);
    expect(JSON.parse(again.stdout)).toMatchObject({ rotated: 0 });
  });

  it('verifies a token against Discord (the sandbox) unless --skip-verify, and never echoes it', async () => {
    const app = sandbox.control.createApplication({ name: 'Verified Agent' });
    const other = sandbox.control.createApplication({ name: 'Someone Else' });
    const invalid = fakeBotToken();
    const [ok, mismatch, rejected] = await Promise.all([
      cli(
        ['agents', 'add-token', '--pool', poolId, '--client-id', app.clientId, '--tag', 'Verified', '--json'],
        env,
        `${app.token}\n`,
      ),
      cli(
        ['agents', 'add-token', '--pool', poolId, '--client-id', snowflake(), '--tag', 'Wrong'],
        env,
        other.token,
      ),
      cli(
        ['agents', 'add-token', '--pool', poolId, '--client-id', snowflake(), '--tag', 'Bad'],
        env,
        invalid,
      ),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      agent: { agentId: `agent${app.clientId}`, status: 'active' },
    });

    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/belongs to bot \d+, not to client id/);
    expect(mismatch.stderr).not.toContain(other.token);

    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('Discord rejected the token (401 Unauthorized).');
    expect(rejected.stderr).not.toContain(invalid);
  });

  it('errors are one sentence on stderr with exit code 1', async () => {
    const [unknownPool, badStatus, badEnv, noStdin] = await Promise.all([
      cli(
        [
          'agents',
          'add-token',
          '--pool',
          'pool_404',
          '--client-id',
          snowflake(),
          '--tag',
          'X',
          '--skip-verify',
        ],
        env,
        fakeBotToken(),
      ),
      cli(['agents', 'set-status', 'agent1', 'sleeping'], env),
      cli(['pools', 'list'], { ...env, TOKEN_ENCRYPTION_KEYS: 'k1:dG9vLXNob3J0' }),
      cli(
        ['agents', 'add-token', '--pool', poolId, '--client-id', snowflake(), '--tag', 'X', '--skip-verify'],
        env,
        '',
      ),
    ]);
    expect(unknownPool).toMatchObject({ code: 1, stdout: '', stderr: 'Pool pool_404 does not exist.\n' });
    expect(badStatus).toMatchObject({ code: 1, stderr: expect.stringContaining('status must be one of') });
    expect(badEnv).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'TOKEN_ENCRYPTION_KEYS entry 1 (key id "k1") must decode to exactly 32 bytes',
      ),
    });
    expect(badEnv.stderr).not.toContain('dG9vLXNob3J0');
    expect(noStdin).toMatchObject({ code: 1, stderr: 'No token on stdin.\n' });
  });

  it('runners and API keys show their secret once and list them masked', async () => {
    const [runner, apiKey] = await Promise.all([
      cli(['runners', 'create', '--capacity', '5', '--json'], env),
      cli(
        [
          'api-keys',
          'create',
          '--name',
          'dashboard',
          '--scopes',
          'read,write',
          '--expires-in-days',
          '30',
          '--json',
        ],
        env,
      ),
    ]);
    const { runnerId, secret } = JSON.parse(runner.stdout) as { runnerId: string; secret: string };
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const created = JSON.parse(apiKey.stdout) as { key: string; prefix: string; scopes: string[] };
    expect(created.scopes).toEqual(['read', 'write']);
    expect(created.key).toMatch(new RegExp(`^cs_${created.prefix}_`));

    const [runners, apiKeys, pools] = await Promise.all([
      cli(['runners', 'list', '--json'], env),
      cli(['api-keys', 'list', '--json'], env),
      cli(['pools', 'list'], env),
    ]);
    expect(JSON.parse(runners.stdout)).toEqual([
      expect.objectContaining({ runnerId, capacity: 5, leases: 0 }),
    ]);
    expect(runners.stdout).not.toContain(secret);
    expect(JSON.parse(apiKeys.stdout)).toEqual([
      expect.objectContaining({ masked: `cs_${created.prefix}_****`, scopes: ['read', 'write'] }),
    ]);
    expect(apiKeys.stdout).not.toContain(created.key);
    expect(pools.stdout).toMatch(new RegExp(`^id\\s+name.*\\n${poolId}\\s+CLI pool`, 's'));

    const [revoked, badScopes] = await Promise.all([
      cli(['runners', 'revoke', runnerId], env),
      cli(['api-keys', 'create', '--name', 'x', '--scopes', 'root'], env),
    ]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${runnerId}.\n` });
    expect(badScopes.code).toBe(1);
    expect(badScopes.stderr).toMatch(/scopes must be a comma-separated list of read, write, admin/);
  });

  it('runners create without --capacity issues a credential for 50 agents, as RUNNER_CAPACITY defaults to', async () => {
    const created = await cli(['runners', 'create', '--json'], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ capacity: 50 });
  });

  it('keys rotate exits 2 and lists the tokens no key could decrypt on stderr', async () => {
    const own = await createTestDatabase();
    try {
      const lostKey = encryptionKey('lost');
      const newKey = encryptionKey('new');
      const ownEnv = { ...env, DATABASE_URL: own.url, TOKEN_ENCRYPTION_KEYS: lostKey };
      const owner = snowflake();
      const lostClientId = snowflake();
      const keptClientId = snowflake();
      expect(
        await cli(['pools', 'create', '--owner', owner, '--name', 'Rotation pool'], ownEnv),
      ).toMatchObject({ code: 0 });
      const add = (clientId: string, keys: string) =>
        cli(
          [
            'agents',
            'add-token',
            '--pool',
            `pool_${owner}`,
            '--client-id',
            clientId,
            '--tag',
            'T',
            '--skip-verify',
          ],
          { ...ownEnv, TOKEN_ENCRYPTION_KEYS: keys },
          fakeBotToken(),
        );
      expect(await add(lostClientId, lostKey)).toMatchObject({ code: 0 });
      expect(await add(keptClientId, oldKey)).toMatchObject({ code: 0 });

      const rotateEnv = { ...ownEnv, TOKEN_ENCRYPTION_KEYS: `${newKey},${oldKey}` };
      const [text, json] = [
        await cli(['keys', 'rotate'], rotateEnv),
        await cli(['keys', 'rotate', '--json'], rotateEnv),
      ];
      expect(text.code).toBe(2);
      expect(text.stdout).toBe('Re-encrypted 1 token(s); 2 stored token(s), current key new.\n');
      expect(text.stderr).toBe(
        `Could not decrypt 1 token(s) with any key in TOKEN_ENCRYPTION_KEYS (re-register them): agent${lostClientId}\n`,
      );
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ rotated: 0, skipped: [`agent${lostClientId}`] });
      expect(json.stderr).toContain(`agent${lostClientId}`);
    } finally {
      await own.drop();
    }
  });

  it('add-token says which Discord URL it could not reach and why, without echoing the token', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const token = fakeBotToken();
    const result = await cli(
      ['agents', 'add-token', '--pool', poolId, '--client-id', snowflake(), '--tag', 'Offline'],
      { ...env, DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api` },
      token,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Could not reach Discord at http://127.0.0.1:${closedPort}/api: ECONNREFUSED; use --skip-verify to store the token unverified.\n`,
    );
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  it('only commands that encrypt or decrypt bot tokens require TOKEN_ENCRYPTION_KEYS', async () => {
    const own = await createTestDatabase();
    try {
      const keyless = { DATABASE_URL: own.url, DISCORD_API_URL: sandbox.urls.api };
      const ownerOfOwn = snowflake();
      const pool = await cli(
        ['pools', 'create', '--owner', ownerOfOwn, '--name', 'Keyless', '--json'],
        keyless,
      );
      expect(pool).toMatchObject({ code: 0, stderr: '' });
      const [apiKey, runner] = await Promise.all([
        cli(['api-keys', 'create', '--name', 'keyless', '--scopes', 'read', '--json'], keyless),
        cli(['runners', 'create', '--json'], keyless),
      ]);
      expect(apiKey).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(apiKey.stdout)).toMatchObject({ name: 'keyless', scopes: ['read'] });
      expect(runner).toMatchObject({ code: 0, stderr: '' });
      const [pools, apiKeys, runners] = await Promise.all([
        cli(['pools', 'list', '--json'], keyless),
        cli(['api-keys', 'list', '--json'], keyless),
        cli(['runners', 'list', '--json'], keyless),
      ]);
      expect(JSON.parse(pools.stdout)).toEqual([expect.objectContaining({ id: `pool_${ownerOfOwn}` })]);
      expect(JSON.parse(apiKeys.stdout)).toEqual([expect.objectContaining({ name: 'keyless' })]);
      expect(JSON.parse(runners.stdout)).toHaveLength(1);

      const token = fakeBotToken();
      const required =
        'TOKEN_ENCRYPTION_KEYS: is required by this command (it encrypts or decrypts bot tokens)';
      const [added, listed, rotated] = await Promise.all([
        cli(
          [
            'agents',
            'add-token',
            '--pool',
            `pool_${ownerOfOwn}`,
            '--client-id',
            snowflake(),
            '--tag',
            'X',
            '--skip-verify',
          ],
          keyless,
          token,
        ),
        cli(['agents', 'list'], keyless),
        cli(['keys', 'rotate'], keyless),
      ]);
      for (const result of [added, listed, rotated]) {
        expect(result).toMatchObject({ code: 1, stdout: '' });
        expect(result.stderr).toContain(required);
      }
      expect(added.stderr).not.toContain(token);
      const stored = await cli(['agents', 'list', '--json'], { ...keyless, TOKEN_ENCRYPTION_KEYS: oldKey });
      expect(JSON.parse(stored.stdout)).toEqual([]);
    } finally {
      await own.drop();
    }
  });
});
