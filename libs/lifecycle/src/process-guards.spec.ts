import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { installProcessGuards } from './process-guards';
import { runApp, SHUTDOWN_DEADLINE_MS } from './run-app';

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

/** Parses every non-empty output line as JSON; fails the test on the first plain-text line. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

describe(installProcessGuards.name, () => {
  it('logs an unhandled rejection and a warning and goes on; logs an uncaught exception and exits 1', async () => {
    const result = await runNode(`
      const { installProcessGuards } = require('./libs/lifecycle/src/process-guards.ts');
      installProcessGuards('guarded');
      installProcessGuards('other');
      Promise.reject(new Error('lost promise'));
      setTimeout(() => process.emitWarning('careful', 'CustomWarning'), 20);
      setTimeout(() => process.stdout.write(JSON.stringify({ msg: 'alive after the rejection' }) + '\\n'), 60);
      setTimeout(() => { throw new Error('boom'); }, 120);
      setTimeout(() => process.stdout.write(JSON.stringify({ msg: 'alive after the exception' }) + '\\n'), 2000);
    `);

    expect(result.code).toBe(1);
    const messages = jsonLines(result.output).map((line) => line.msg);
    // stdout and stderr are read separately, so only the set of lines is compared.
    expect([...messages].sort()).toEqual(
      [
        'Unhandled promise rejection: Error: lost promise',
        'Process warning CustomWarning: careful',
        'alive after the rejection',
        'Uncaught exception: Error: boom',
      ].sort(),
    );
    expect(jsonLines(result.output)).toContainEqual(
      expect.objectContaining({
        level: 50,
        app: 'guarded',
        context: 'Process',
        msg: 'Unhandled promise rejection: Error: lost promise',
      }),
    );
  });

  it('prints a process warning once, as JSON, without Node\'s "(node:PID) Warning" text', async () => {
    const result = await runNode(`
      const { installProcessGuards } = require('./libs/lifecycle/src/process-guards.ts');
      installProcessGuards('guarded');
      process.emitWarning('qa7 test warning');
      setTimeout(() => process.exit(0), 100);
    `);

    expect(result.output).not.toContain('(node:');
    expect(jsonLines(result.output)).toEqual([
      expect.objectContaining({
        level: 40,
        app: 'guarded',
        msg: 'Process warning Warning: qa7 test warning',
      }),
    ]);
  });
});

describe(runApp.name, () => {
  it('logs a start-up failure as one JSON line and exits 1', async () => {
    const result = await runNode(`
      process.env.ENV_FILE = 'none';
      const { runApp } = require('./libs/lifecycle/src/run-app.ts');
      void runApp('failing', () => Promise.reject(new Error('cannot reach anything')));
    `);

    expect(result.code).toBe(1);
    expect(jsonLines(result.output)).toEqual([
      expect.objectContaining({ level: 60, app: 'failing', msg: 'failed to start: cannot reach anything' }),
    ]);
  });

  it('logs the shutdown watchdog as a JSON line when shutdown hangs past the deadline', async () => {
    const result = await runNode(`
      process.env.ENV_FILE = 'none';
      require('reflect-metadata');
      const { Module } = require('@nestjs/common');
      const { NestFactory } = require('@nestjs/core');
      const { runApp } = require('./libs/lifecycle/src/run-app.ts');
      class Hanging { onApplicationShutdown() { return new Promise(() => setInterval(() => {}, 1000)); } }
      class HangingModule {}
      Module({ providers: [Hanging] })(HangingModule);
      setInterval(() => {}, 1000); // stands in for the app's listening server
      void runApp('hanging', async () => {
        const app = await NestFactory.createApplicationContext(HangingModule, { logger: false });
        setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50);
        return app;
      });
    `);

    expect(result.code).toBe(1);
    expect(jsonLines(result.output)).toEqual([
      expect.objectContaining({
        level: 60,
        app: 'hanging',
        msg: `shutdown exceeded ${SHUTDOWN_DEADLINE_MS} ms, forcing exit`,
      }),
    ]);
  }, 30_000);
});
