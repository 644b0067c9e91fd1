import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs the two-apps fixture in a fresh Node process and returns its stdout's JSON lines. */
function runTwoApps(): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'test/unit/ops/fixtures/two-apps-logging.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: 'none' },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          lines: stdout
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
          stderr,
        }),
    );
  });
}

describe('LoggingModule with several apps in one process', () => {
  it('each app’s lines carry its own app name: at bootstrap, from its timers and in its requests', async () => {
    const { code, lines, stderr } = await runTwoApps();

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const mine = lines
      .filter(
        (line) => typeof line.msg === 'string' && /^(alpha|beta) (bootstrap|timer|request)$/.test(line.msg),
      )
      .map((line) => ({ app: line.app, msg: line.msg }));
    expect(mine).toHaveLength(6);
    for (const line of mine) expect(line).toEqual({ app: String(line.msg).split(' ')[0], msg: line.msg });
    const completed = lines.filter((line) => line.msg === 'request completed').map((line) => line.app);
    expect(completed.sort()).toEqual(['alpha', 'beta']);
  }, 60_000);
});
