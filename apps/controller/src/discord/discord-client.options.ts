import { GatewayIntentBits, Options } from 'discord.js';
import type { NecordModuleOptions } from 'necord';
import type { DiscordEnv } from './discord.config';

/**
 * necord (discord.js `ClientOptions`) for the controller bot: intents Guilds + GuildVoiceStates
 * (the voice state cache tells which voice channel an invoking user sits in), no message or
 * presence caches, REST (and therefore the gateway URL from `GET /gateway/bot`) at
 * `DISCORD_API_URL`, guild registration when development guilds are configured, else global.
 */
export function necordOptionsFromEnv(
  config: Pick<
    DiscordEnv,
    | 'DISCORD_TOKEN'
    | 'DISCORD_CLIENT_ID'
    | 'DISCORD_API_URL'
    | 'BOT_OWNER_IDS'
    | 'DISCORD_DEVELOPMENT_GUILD_IDS'
    | 'DISCORD_SKIP_REGISTRATION'
  >,
): NecordModuleOptions {
  return {
    token: config.DISCORD_TOKEN,
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: { api: config.DISCORD_API_URL },
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      PresenceManager: 0,
      ReactionManager: 0,
    }),
    development:
      config.DISCORD_DEVELOPMENT_GUILD_IDS.length > 0 ? config.DISCORD_DEVELOPMENT_GUILD_IDS : false,
    skipRegistration: config.DISCORD_SKIP_REGISTRATION,
  };
}
