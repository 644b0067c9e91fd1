import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NecordModule } from 'necord';
import { RateLimitsModule, rateLimitsOptionsFromEnv } from '@app/ratelimits';
import { necordOptionsFromEnv } from './discord-client.options';
import type { DiscordEnv } from './discord.config';
import { DiscordReadiness } from './discord-readiness';
import { InteractionResponder } from './interaction-responder';

/**
 * The controller's Discord client (necord 6 over discord.js 14): logs in on application
 * bootstrap and is destroyed on shutdown (necord's `NecordModule` lifecycle hooks), registers
 * the slash commands it discovers, and offers {@link DiscordReadiness} (for `/readyz`) and
 * {@link InteractionResponder} (the throttle → idempotency → work → reply pipeline, on
 * `@app/ratelimits` with the app's `REDIS_URL`) to feature modules. Reads the `discordEnvShape`
 * slice and `REDIS_URL` from the global `ConfigService`.
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
    RateLimitsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<DiscordEnv & { REDIS_URL?: string }, true>) =>
        rateLimitsOptionsFromEnv(
          {
            COMMAND_RATE_LIMITS: config.get('COMMAND_RATE_LIMITS', { infer: true }),
            RATE_LIMIT_REDIS_DOWN_MODE: config.get('RATE_LIMIT_REDIS_DOWN_MODE', { infer: true }),
            IDEMPOTENCY_WINDOW_SECONDS: config.get('IDEMPOTENCY_WINDOW_SECONDS', { infer: true }),
            RATE_LIMIT_KEY_PREFIX: config.get('RATE_LIMIT_KEY_PREFIX', { infer: true }),
          },
          config.get('REDIS_URL', { infer: true }),
        ),
    }),
  ],
  providers: [DiscordReadiness, InteractionResponder],
  exports: [DiscordReadiness, InteractionResponder],
})
export class DiscordModule {}
