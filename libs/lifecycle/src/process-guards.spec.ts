import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { installProcessGuards } from './process-guards';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs `script` (plain JS, may require TypeScript sources) in a fresh Node process. */
function runNode(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', '-e', script],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

describe(installProcessGuards.name, () => {
  it('logs an unhandled rejection and a warning and goes on; logs an uncaught exception and exits 1', async () => {
    const result = await runNode(`
      const { installProcessGuards } = require('./libs/lifecycle/src/process-guards.ts');
      installProcessGuards();
      installProcessGuards();
      Promise.reject(new Error('lost promise'));
      setTimeout(() => process.emitWarning('careful', 'CustomWarning'), 20);
      setTimeout(() => console.log('alive after the rejection'), 60);
      setTimeout(() => { throw new Error('boom'); }, 120);
      setTimeout(() => console.log('alive after the exception'), 2000);
    `);

    expect(result.code).toBe(1);
    expect(result.output).toContain('Unhandled promise rejection: Error: lost promise');
    expect(result.output).toContain('Process warning CustomWarning: careful');
    expect(result.output).toContain('alive after the rejection');
    expect(result.output).toContain('Uncaught exception: Error: boom');
    expect(result.output).not.toContain('alive after the exception');
    // Installed once even when called twice: one line per event.
    expect(result.output.split('Unhandled promise rejection').length - 1).toBe(1);
  });
});
