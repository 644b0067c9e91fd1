import { DynamicModule, Module } from '@nestjs/common';
import { PoolsModule, poolsOptionsFromEnv } from '@app/pools';
import { CliConfig, processOnlyTokenKeys, requireTokenKeys } from './cli.config';

/** Composition root of the operator CLI: the pools context (and access, through it). */
@Module({})
export class CliModule {
  /**
   * @param tokens the command encrypts or decrypts bot tokens: `TOKEN_ENCRYPTION_KEYS` is required.
   *   Otherwise an unset `TOKEN_ENCRYPTION_KEYS` is replaced by a process-only key that opens no
   *   stored token.
   * @throws EnvValidationError when `tokens` is true and `TOKEN_ENCRYPTION_KEYS` is unset.
   */
  static forRoot(config: CliConfig, tokens = false): DynamicModule {
    const keys = tokens ? requireTokenKeys(config) : (config.TOKEN_ENCRYPTION_KEYS ?? processOnlyTokenKeys());
    return {
      module: CliModule,
      imports: [
        PoolsModule.forRootAsync({
          useFactory: () => poolsOptionsFromEnv({ ...config, TOKEN_ENCRYPTION_KEYS: keys }, 'chopsticks-cli'),
        }),
      ],
    };
  }
}
