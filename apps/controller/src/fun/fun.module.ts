import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscordModule } from '../discord';
import type { FunhubClientOptions } from './fun.config';
import { FUNHUB_CLIENT_OPTIONS } from './fun.constants';
import { FunCommands } from './fun.commands';
import { FunhubClient } from './funhub.client';

/**
 * `/fun` (SPEC §6, §7): the slash commands and the FunHub client. Reads `FUNHUB_URL`,
 * `FUNHUB_API_KEY` and `FUNHUB_TIMEOUT_MS` from the global `ConfigService`; needs the necord
 * client and the interaction pipeline from {@link DiscordModule}.
 */
@Module({
  imports: [DiscordModule],
  providers: [
    {
      provide: FUNHUB_CLIENT_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService): FunhubClientOptions => ({
        url: config.get<string>('FUNHUB_URL') || undefined,
        apiKey: config.get<string>('FUNHUB_API_KEY') || undefined,
        timeoutMs: config.get<number>('FUNHUB_TIMEOUT_MS') ?? 2000,
      }),
    },
    FunhubClient,
    FunCommands,
  ],
  exports: [FunhubClient],
})
export class FunModule {}
