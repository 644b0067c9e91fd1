import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommanderError } from 'commander';
import { CliConfig, loadCliConfig } from './cli/cli.config';
import { CliModule } from './cli/cli.module';
import {
  buildCliProgram,
  CLI_PARTIAL_FAILURE_EXIT_CODE,
  CliPartialFailureError,
  describeCliError,
} from './cli/cli.program';
import { verifyBotToken } from './cli/discord-token-verifier';
import { CliOutput } from './cli/output';
import { readSecretFromStdin } from './cli/read-stdin';
import { StderrLogger } from './cli/stderr-logger';

/**
 * Entry point of `npm run cli -- …`; exits 0 on success, 2 when a command finished but left items
 * undone (listed on stderr, e.g. `keys rotate` with undecryptable tokens), 1 with a sentence on
 * stderr otherwise.
 */
async function main(argv: string[]): Promise<number> {
  let config: CliConfig | undefined;
  let app: INestApplicationContext | undefined;
  const program = buildCliProgram({
    config: () => (config ??= loadCliConfig()),
    app: async (access = {}) => {
      config ??= loadCliConfig();
      const cliConfig = config;
      app ??= await NestFactory.createApplicationContext(CliModule.forRoot(cliConfig, access.tokens), {
        logger: new StderrLogger(),
        abortOnError: false,
      });
      return app;
    },
    output: new CliOutput(),
    readToken: () => readSecretFromStdin(),
    verifyToken: verifyBotToken,
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${describeCliError(error)}\n`);
    return error instanceof CliPartialFailureError ? CLI_PARTIAL_FAILURE_EXIT_CODE : 1;
  } finally {
    await app?.close();
  }
}

/** Exits once stdout has been flushed (a pipe may still be draining). */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv).then(exit, (error: unknown) => {
  process.stderr.write(`${describeCliError(error)}\n`);
  exit(1);
});
