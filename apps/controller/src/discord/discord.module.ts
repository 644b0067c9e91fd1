import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NecordModule } from 'necord';
import { necordOptionsFromEnv } from './discord-client.options';
import type { DiscordEnv } from './discord.config';
import { DiscordReadiness } from './discord-readiness';
import { InteractionResponder } from './interaction-responder';

/**
 * The controller's Discord client (necord 6 over discord.js 14): logs in on application
 * bootstrap and is destroyed on shutdown (necord's `NecordModule` lifecycle hooks), registers
 * the slash commands it discovers, and offers {@link DiscordReadiness} (for `/readyz`) and
 * {@link InteractionResponder} (the acknowledge → work → reply pipeline) to feature modules.
 * Reads the `discordEnvShape` slice from the global `ConfigService`.
 */
@Module({
  imports: [
    NecordModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<DiscordEnv, true>) =>
        necordOptionsFromEnv({
          DISCORD_TOKEN: config.get('DISCORD_TOKEN', { infer: true }),
          DISCORD_CLIENT_ID: config.get('DISCORD_CLIENT_ID', { infer: true }),
          DISCORD_API_URL: config.get('DISCORD_API_URL', { infer: true }),
          BOT_OWNER_IDS: config.get('BOT_OWNER_IDS', { infer: true }),
          DISCORD_DEVELOPMENT_GUILD_IDS: config.get('DISCORD_DEVELOPMENT_GUILD_IDS', { infer: true }),
          DISCORD_SKIP_REGISTRATION: config.get('DISCORD_SKIP_REGISTRATION', { infer: true }),
        }),
    }),
  ],
  providers: [DiscordReadiness, InteractionResponder],
  exports: [DiscordReadiness, InteractionResponder],
})
export class DiscordModule {}
