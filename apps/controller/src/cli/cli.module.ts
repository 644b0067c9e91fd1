import { DynamicModule, Module } from '@nestjs/common';
import { PoolsModule, poolsOptionsFromEnv } from '@app/pools';
import { CliConfig } from './cli.config';

/** Composition root of the operator CLI: the pools context (and access, through it). */
@Module({})
export class CliModule {
  static forRoot(config: CliConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        PoolsModule.forRootAsync({ useFactory: () => poolsOptionsFromEnv(config, 'chopsticks-cli') }),
      ],
    };
  }
}
