import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvFile } from './dotenv';

/**
 * `process.loadEnvFile` writes the real process environment, which jest replaces with a copy,
 * so the behaviour is observed in a child process running the same function.
 */
function runInChild(env: Record<string, string>): { loaded: string | null; a?: string; b?: string } {
  const script = `const { loadEnvFile } = require('./libs/config/src/dotenv');
    const loaded = loadEnvFile();
    process.stdout.write(JSON.stringify({ loaded, a: process.env.CHOPSTICKS_DOTENV_A, b: process.env.CHOPSTICKS_DOTENV_B }));`;
  const output = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return JSON.parse(output.toString()) as { loaded: string | null; a?: string; b?: string };
}

describe(loadEnvFile.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'chopsticks-dotenv-'));
  const file = join(dir, 'test.env');
  beforeAll(() => writeFileSync(file, 'CHOPSTICKS_DOTENV_A=from-file\nCHOPSTICKS_DOTENV_B=from-file\n'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills unset variables from the file and lets the environment win', () => {
    expect(runInChild({ ENV_FILE: file, CHOPSTICKS_DOTENV_A: 'from-env' })).toEqual({
      loaded: file,
      a: 'from-env',
      b: 'from-file',
    });
  });

  it('loads nothing when disabled or when the file is missing', () => {
    expect(runInChild({ ENV_FILE: 'none' })).toEqual({ loaded: null });
    expect(runInChild({ ENV_FILE: join(dir, 'missing.env') })).toEqual({ loaded: null });
  });
});
